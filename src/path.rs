//! Request paths: one normal form that every path policy (scopes, exemptions, renditions, Akamai
//! ACLs) is checked against and that is then forwarded, and the two glob dialects matched against it.
//!
//! Normal form ([`normalize`]):
//! - percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded, every other
//!   escape is kept with uppercase hex (`%2f` → rejected, `%7e` → `~`, `%c3%a9` → `%C3%A9`); `%25`
//!   stays `%25`, so nothing is ever decoded twice;
//! - encoded separators `%2F` and `%5C`, a raw `\`, NUL and other control characters (raw or encoded)
//!   and malformed escapes are refused: no player ever sends them, and origins disagree on them;
//! - dot segments are resolved (RFC 3986 §5.2.4) *after* decoding, so `%2e%2e` is `..`; a `..`
//!   that would climb above the root is refused;
//! - runs of `/` collapse to one; a trailing `/` is kept.
//!
//! What is checked is what is forwarded: the gate forwards the normal form whenever a path policy ran.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Why a path has no normal form (the gate answers `bad_request`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathError {
    /// Does not start with `/`.
    NotAbsolute,
    /// `%` not followed by two hex digits.
    BadEscape,
    /// `%2F` or `%5C`: an encoded separator.
    EncodedSeparator,
    /// A raw `\`.
    Backslash,
    /// NUL or another control character, raw or encoded.
    ControlChar,
    /// `..` above the root.
    AboveRoot,
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn push_escape(out: &mut Vec<u8>, v: u8) {
    out.push(b'%');
    for nibble in [v >> 4, v & 0x0f] {
        out.push(HEX_UPPER.get(usize::from(nibble)).copied().unwrap_or(b'0'));
    }
}

/// Decodes escapes of unreserved characters and uppercases the others, without touching segments.
/// Used for paths and for patterns, so both are compared in the same spelling.
pub fn canonical_escapes(s: &str) -> Result<String, PathError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_val);
            let lo = bytes.get(i + 2).copied().and_then(hex_val);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(PathError::BadEscape);
            };
            let v = hi << 4 | lo;
            if v < 0x20 || v == 0x7f {
                return Err(PathError::ControlChar);
            }
            if v == b'/' || v == b'\\' {
                return Err(PathError::EncodedSeparator);
            }
            if is_unreserved(v) {
                out.push(v);
            } else {
                push_escape(&mut out, v);
            }
            i += 3;
        } else {
            if b < 0x20 || b == 0x7f {
                return Err(PathError::ControlChar);
            }
            if b == b'\\' {
                return Err(PathError::Backslash);
            }
            out.push(b);
            i += 1;
        }
    }
    // Only ASCII bytes were substituted for ASCII escapes, so the input's UTF-8 is intact.
    String::from_utf8(out).map_err(|_| PathError::BadEscape)
}

/// Whether `raw` is already its own normal form, decided without allocating: ASCII without `%`,
/// backslash or control characters, and no empty, `.` or `..` segment except an empty last one (a
/// trailing `/`). Never `true` for a path that [`normalize`] would change or refuse;
/// it may be `false` for one that is normal (which is then normalised to itself).
pub(crate) fn is_normal(raw: &str) -> bool {
    let mut bytes = raw.bytes();
    if bytes.next() != Some(b'/') {
        return false;
    }
    // The current segment's length, and how many of its bytes are dots.
    let (mut len, mut dots) = (0usize, 0usize);
    for c in bytes {
        if !(0x20..0x7f).contains(&c) || c == b'%' || c == b'\\' {
            return false;
        }
        if c == b'/' {
            // An empty, `.` or `..` segment before this `/`.
            if len == dots && dots <= 2 {
                return false;
            }
            (len, dots) = (0, 0);
        } else {
            len += 1;
            dots += usize::from(c == b'.');
        }
    }
    // The last segment may be empty (a trailing `/`), but not `.` or `..`.
    len == 0 || len != dots || dots > 2
}

/// [`normalize`], borrowing `raw` when it is already its own normal form ([`is_normal`]: every
/// segment request a player makes), so the per-request callers copy nothing then.
pub(crate) fn normal_form(raw: &str) -> Result<Cow<'_, str>, PathError> {
    if is_normal(raw) {
        Ok(Cow::Borrowed(raw))
    } else {
        normalize(raw).map(Cow::Owned)
    }
}

/// The normal form of a raw request path (see the module docs).
pub fn normalize(raw: &str) -> Result<String, PathError> {
    if !raw.starts_with('/') {
        return Err(PathError::NotAbsolute);
    }
    let decoded = canonical_escapes(raw)?;
    let mut stack: Vec<&str> = Vec::new();
    let mut trailing = false;
    for seg in decoded.split('/').skip(1) {
        trailing = false;
        match seg {
            "" | "." => trailing = true,
            ".." => {
                stack.pop().ok_or(PathError::AboveRoot)?;
                trailing = true;
            }
            s => stack.push(s),
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for s in &stack {
        out.push('/');
        out.push_str(s);
    }
    if trailing || stack.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Why a pattern cannot be compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern is not a valid path (see [`PathError`]).
    Path(PathError),
    /// `**` mixed with other characters in one segment.
    PartialDoubleStar,
    /// Longer than [`MAX_PATTERN_LEN`].
    TooLong,
}

/// Longest pattern accepted.
pub const MAX_PATTERN_LEN: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    /// `**`: zero or more whole segments.
    Any,
    /// A segment with `*` (any run within the segment) and `?` (one character).
    Glob(String),
}

/// A compiled segment-aware glob (the `paths` claim, exemptions, renditions).
///
/// - `*` matches any run of characters within one segment, `?` exactly one character (not `/`);
/// - `**` as a whole segment matches zero or more whole segments;
/// - a pattern ending in `/` opens that directory and everything below it (`/video/1/` is
///   `/video/1/**`); any other pattern must match the whole path, so `/video/1` opens only
///   `/video/1` and never `/video/10` or `/video/10/x`.
///
/// Patterns are normalised like paths (dot segments are refused by construction: a pattern with
/// `..` climbing out of the root does not compile, and one that stays inside is resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    segs: Vec<Seg>,
}

impl Glob {
    /// Compiles a pattern.
    pub fn new(pattern: &str) -> Result<Glob, PatternError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong);
        }
        let norm = normalize(pattern).map_err(PatternError::Path)?;
        let body = norm.get(1..).unwrap_or("");
        let mut segs = Vec::new();
        if !body.is_empty() {
            for s in body.split('/') {
                segs.push(match s {
                    "**" => Seg::Any,
                    s if s.contains("**") => return Err(PatternError::PartialDoubleStar),
                    s => Seg::Glob(s.into()),
                });
            }
        }
        // A trailing `/` (the last segment empty, or the root pattern) opens the whole directory.
        match segs.last_mut() {
            Some(last @ Seg::Glob(_)) if *last == Seg::Glob(String::new()) => *last = Seg::Any,
            None => segs.push(Seg::Any),
            _ => {}
        }
        Ok(Glob { segs })
    }

    /// Whether a *normalised* path matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(body) = path.strip_prefix('/') else {
            return false;
        };
        wildcard(
            &self.segs,
            body.split('/'),
            |p| matches!(p, Seg::Any),
            |p, s| match p {
                Seg::Any => true,
                Seg::Glob(g) => glob_text(g, s),
            },
        )
    }
}

/// `*`/`?` glob over text (`*` matching any run, `?` one character). ASCII text, the normal case for
/// percent-encoded paths, is matched byte by byte without allocating.
fn glob_text(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return wildcard(
            pattern.as_bytes(),
            text.bytes(),
            |c| *c == b'*',
            |p, c| *p == b'?' || *p == c,
        );
    }
    // Text outside ASCII (rare in paths): by characters, collected (so only the byte and
    // segment matchers are iterator-driven; `Chars` made a much larger copy of the matcher).
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    wildcard(&p, t.iter(), |c| *c == '*', |p, c| *p == '?' || p == c)
}

/// The classic linear-backtracking wildcard match over any element type: `is_star(p)` elements
/// match any run (possibly empty) of input elements, every other pattern element matches exactly
/// one input element when `one(p, s)` holds. Never exponential: O(|p|·|s|) in the worst case.
/// The input is an iterator (path segments, bytes, chars) whose clones mark positions to come back
/// to, so nothing is collected.
fn wildcard<P, I: Iterator + Clone>(
    pat: &[P],
    input: I,
    is_star: impl Fn(&P) -> bool,
    one: impl Fn(&P, I::Item) -> bool,
) -> bool {
    let mut pi = 0usize;
    let mut rest = input;
    // The last star's pattern index, and the input from where its run would end next.
    let mut star: Option<(usize, I)> = None;
    loop {
        let mut after = rest.clone();
        let Some(s) = after.next() else { break };
        match pat.get(pi) {
            Some(p) if is_star(p) => {
                star = Some((pi, rest.clone()));
                pi += 1;
                continue;
            }
            Some(p) if one(p, s) => {
                pi += 1;
                rest = after;
                continue;
            }
            _ => {}
        }
        match &mut star {
            Some((sp, resume)) => {
                // The star takes one more element.
                resume.next();
                pi = *sp + 1;
                rest = resume.clone();
            }
            None => return false,
        }
    }
    pat.get(pi..).is_some_and(|tail| tail.iter().all(is_star))
}

/// Akamai Auth Token 2.0 ACL matching: `acl` holds one or more patterns separated by `!`; any may
/// match. `*` matches any run of characters *including* `/`, `?` exactly one character; everything
/// else is literal. Kept Akamai's meaning for compatibility with existing token issuers.
///
/// The gate passes the normalised path, and canonicalises the escapes of each ACL pattern the same
/// way ([`canonical_escapes`]), so `/live/*` can never be escaped with `/live/../secret`.
pub fn akamai_acl_matches(acl: &str, path: &str) -> bool {
    acl.split('!')
        .filter(|p| !p.is_empty())
        .any(|p| canonical_escapes(p).is_ok_and(|pat| glob_text(&pat, path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    #[test]
    fn normal_form() {
        let ok = |raw: &str, want: &str| assert_eq!(normalize(raw).as_deref(), Ok(want), "{raw}");
        ok("/", "/");
        ok("/a/b", "/a/b");
        ok("/a//b///c/", "/a/b/c/");
        ok("/a/./b/../c", "/a/c");
        ok("/a/b/..", "/a/");
        ok("/a/b/.", "/a/b/");
        ok("/v/%2e%2E/x", "/x");
        ok("/v/%2e./x", "/x");
        ok("/%7Euser/%41", "/~user/A");
        ok("/a%20b/%c3%a9", "/a%20b/%C3%A9");
        ok("/a%25%32%66", "/a%252f");
        ok("/é", "/é");
        let err = |raw: &str, e: PathError| assert_eq!(normalize(raw), Err(e), "{raw}");
        err("a/b", PathError::NotAbsolute);
        err("/a%2fb", PathError::EncodedSeparator);
        err("/a%2Fb", PathError::EncodedSeparator);
        err("/a%5cb", PathError::EncodedSeparator);
        err("/a\\b", PathError::Backslash);
        err("/a%00", PathError::ControlChar);
        err("/a\0", PathError::ControlChar);
        err("/a%0d%0a", PathError::ControlChar);
        err("/a%7f", PathError::ControlChar);
        err("/a%", PathError::BadEscape);
        err("/a%g0", PathError::BadEscape);
        err("/..", PathError::AboveRoot);
        err("/a/../../b", PathError::AboveRoot);
    }

    #[test]
    fn globs() {
        let g = |p: &str| Glob::new(p).unwrap();
        assert!(g("/video/1").matches("/video/1"));
        assert!(!g("/video/1").matches("/video/10"));
        assert!(!g("/video/1").matches("/video/1/x"));
        assert!(g("/video/1/").matches("/video/1/x.ts"));
        assert!(g("/video/1/").matches("/video/1"));
        assert!(!g("/video/1/").matches("/video/10/x.ts"));
        assert!(!g("/video/1/**").matches("/video/10/x.ts"));
        assert!(g("/video/1/**").matches("/video/1/a/b/c.ts"));
        assert!(g("/live/*.m3u8").matches("/live/index.m3u8"));
        assert!(!g("/live/*.m3u8").matches("/live/a/index.m3u8"));
        assert!(g("/live/seg_?.ts").matches("/live/seg_1.ts"));
        assert!(!g("/live/seg_?.ts").matches("/live/seg_10.ts"));
        assert!(!g("/live/seg_?.ts").matches("/live/seg_/.ts"));
        assert!(g("/**/1080p/**").matches("/ch/1080p/seg.ts"));
        assert!(g("/**/1080p/**").matches("/a/b/1080p/x/seg.ts"));
        assert!(!g("/**/1080p/**").matches("/a/b/1080p60/seg.ts"));
        assert!(g("/").matches("/anything/at/all"));
        assert!(g("/**").matches("/"));
        assert!(g("/a/**/z").matches("/a/z"));
        assert!(g("/a/**/z").matches("/a/b/c/z"));
        assert!(!g("/a/**/z").matches("/a/b/c/zz"));
        assert_eq!(Glob::new("/a**"), Err(PatternError::PartialDoubleStar));
        assert_eq!(
            Glob::new("/../x"),
            Err(PatternError::Path(PathError::AboveRoot))
        );
        assert_eq!(
            Glob::new("video/*"),
            Err(PatternError::Path(PathError::NotAbsolute))
        );
    }

    #[test]
    fn akamai_acls() {
        assert!(akamai_acl_matches(
            "/live/channel1/*",
            "/live/channel1/a/b.ts"
        ));
        assert!(!akamai_acl_matches(
            "/live/channel1/*",
            "/live/channel10/a.ts"
        ));
        assert!(akamai_acl_matches(
            "/live/channel1*",
            "/live/channel10/a.ts"
        ));
        assert!(akamai_acl_matches("/a/*!/b/*", "/b/x"));
        assert!(!akamai_acl_matches("/a/*!/b/*", "/c/x"));
        assert!(akamai_acl_matches("/seg?.ts", "/seg1.ts"));
        assert!(akamai_acl_matches("/*", "/"));
        assert!(akamai_acl_matches("/%7euser/*", "/~user/x"));
        assert!(!akamai_acl_matches("", "/"));
        // Non-ASCII text: `?` is one character, not one byte.
        assert!(akamai_acl_matches("/caf?/*", "/café/x"));
        assert!(Glob::new("/caf?/").unwrap().matches("/café/x"));
        assert!(!Glob::new("/caf??/").unwrap().matches("/café/x"));
    }

    /// Naive exponential reference for the segment glob.
    fn naive_seg(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len())
                .take_while(|i| !s[..*i].contains(&'/'))
                .any(|i| naive_seg(rest, &s[i..])),
            Some(('?', rest)) => s.first().is_some_and(|c| *c != '/') && naive_seg(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && naive_seg(rest, &s[1..]),
        }
    }

    fn naive_glob(pattern: &str, path: &str) -> bool {
        // Reference semantics on whole strings: `**` segments become "any run of whole segments".
        let ps: Vec<&str> = pattern[1..].split('/').collect();
        let ss: Vec<&str> = path[1..].split('/').collect();
        fn go(ps: &[&str], ss: &[&str]) -> bool {
            match ps.split_first() {
                None => ss.is_empty(),
                Some((&"**", rest)) => (0..=ss.len()).any(|i| go(rest, &ss[i..])),
                Some((p, rest)) => {
                    ss.first().is_some_and(|s| {
                        let pc: Vec<char> = p.chars().collect();
                        let sc: Vec<char> = s.chars().collect();
                        naive_seg(&pc, &sc)
                    }) && go(rest, &ss[1..])
                }
            }
        }
        go(&ps, &ss)
    }

    fn naive_acl(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| naive_acl(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && naive_acl(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && naive_acl(rest, &s[1..]),
        }
    }

    fn raw_path() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("/"),
                Just("//"),
                Just("."),
                Just(".."),
                Just("%2e"),
                Just("%2E%2e"),
                Just("%2f"),
                Just("%41"),
                Just("%7e"),
                Just("%20"),
                Just("%25"),
                Just("%c3%a9"),
                Just("%"),
                Just("%00"),
                Just("\\"),
                Just("a"),
                Just("b"),
                Just("video"),
                Just("1"),
                Just("é"),
            ],
            0..12,
        )
        .prop_map(|v| {
            let mut s = "/".to_string();
            s.extend(v);
            s
        })
    }

    fn simple_path() -> impl Strategy<Value = String> {
        proptest::collection::vec("[ab]{0,3}", 1..5).prop_map(|v| {
            let mut s = String::new();
            for p in v {
                s.push('/');
                s.push_str(&p);
            }
            s
        })
    }

    fn simple_pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => "[ab*?]{0,3}".prop_filter("no ** inside a segment", |s| !s.contains("**")),
                1 => Just("**".to_string()),
            ],
            1..5,
        )
        .prop_map(|v| {
            let mut s = String::new();
            for p in v {
                s.push('/');
                s.push_str(&p);
            }
            s
        })
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(raw in raw_path()) {
            if let Ok(n) = normalize(&raw) {
                prop_assert_eq!(normalize(&n), Ok(n.clone()));
            }
        }

        #[test]
        fn normal_form_has_no_dot_segments_or_empty_segments(raw in raw_path()) {
            if let Ok(n) = normalize(&raw) {
                prop_assert!(n.starts_with('/'));
                prop_assert!(!n.contains("//"), "{}", n);
                let body = &n[1..];
                let segs: Vec<&str> = body.split('/').collect();
                let last = segs.len() - 1;
                for (i, s) in segs.iter().enumerate() {
                    prop_assert!(*s != "." && *s != "..", "{}", n);
                    prop_assert!(!s.is_empty() || i == last, "{}", n);
                }
                prop_assert!(!n.contains('\\') && !n.contains('\0'));
                prop_assert!(!n.to_ascii_lowercase().contains("%2f"));
                prop_assert!(!n.to_ascii_lowercase().contains("%2e"));
            }
        }

        #[test]
        fn is_normal_only_for_paths_normalize_keeps(raw in raw_path()) {
            if is_normal(&raw) {
                prop_assert_eq!(normalize(&raw), Ok(raw.clone()));
            }
            // And it knows every normal path without escapes or non-ASCII text.
            if normalize(&raw).as_ref() == Ok(&raw) && raw.is_ascii() && !raw.contains('%') {
                prop_assert!(is_normal(&raw), "{}", raw);
            }
        }

        #[test]
        fn normal_form_borrows_exactly_the_normal_paths(raw in raw_path()) {
            match super::normal_form(&raw) {
                Ok(Cow::Borrowed(b)) => prop_assert!(is_normal(&raw) && b == raw),
                Ok(Cow::Owned(o)) => prop_assert_eq!(normalize(&raw), Ok(o)),
                Err(e) => prop_assert_eq!(normalize(&raw), Err(e)),
            }
        }

        #[test]
        fn is_normal_agrees_on_any_text(raw in "/?[ -~\\x00\\x7f]{0,24}") {
            if is_normal(&raw) {
                prop_assert_eq!(normalize(&raw), Ok(raw.clone()));
            }
        }

        #[test]
        fn normalize_never_panics(raw in "\\PC{0,40}") {
            let _ = normalize(&raw);
        }

        #[test]
        fn glob_agrees_with_naive(pattern in simple_pattern(), path in simple_path()) {
            let g = Glob::new(&pattern).unwrap();
            // Compare against the compiled pattern's normal form (trailing `/` sugar applied).
            let mut norm = normalize(&pattern).unwrap();
            if norm.ends_with('/') {
                norm.push_str("**");
            }
            let p = normalize(&path).unwrap();
            prop_assert_eq!(g.matches(&p), naive_glob(&norm, &p), "{} vs {}", norm, p);
        }

        #[test]
        fn literal_glob_is_exact(a in "[a-z0-9]{1,4}", b in "[a-z0-9]{1,4}") {
            let g = Glob::new(&alloc::format!("/video/{a}")).unwrap();
            let same = alloc::format!("/video/{b}");
            let longer = alloc::format!("/video/{a}{b}");
            let below = alloc::format!("/video/{a}/{b}");
            let longer_dir = alloc::format!("/video/{a}{b}/x");
            prop_assert_eq!(g.matches(&same), a == b);
            prop_assert!(!g.matches(&longer));
            prop_assert!(!g.matches(&below));
            let dir = Glob::new(&alloc::format!("/video/{a}/")).unwrap();
            prop_assert!(dir.matches(&below));
            prop_assert!(!dir.matches(&longer_dir));
        }

        #[test]
        fn acl_agrees_with_naive(pattern in "[ab/*?]{0,8}", path in "[ab/]{0,8}") {
            let pc: Vec<char> = pattern.chars().collect();
            let sc: Vec<char> = path.chars().collect();
            let want = !pattern.is_empty() && naive_acl(&pc, &sc);
            prop_assert_eq!(akamai_acl_matches(&pattern, &path), want);
        }

        #[test]
        fn acl_alternatives_are_an_or(a in "[ab/*?]{1,6}", b in "[ab/*?]{1,6}", path in "[ab/]{0,8}") {
            let both = alloc::format!("{a}!{b}");
            prop_assert_eq!(
                akamai_acl_matches(&both, &path),
                akamai_acl_matches(&a, &path) || akamai_acl_matches(&b, &path)
            );
        }
    }

    #[test]
    fn no_exponential_blowup() {
        let g = Glob::new("/*a*a*a*a*a*a*a*a*b").unwrap();
        let path = alloc::format!("/{}", "a".repeat(200));
        assert!(!g.matches(&path));
        let segs = vec!["**/a"; 20].join("/");
        let g = Glob::new(&alloc::format!("/{segs}/b")).unwrap();
        let path = alloc::format!("/{}", vec!["a"; 200].join("/"));
        assert!(!g.matches(&path));
        assert!(!akamai_acl_matches("*a*a*a*a*a*a*a*b", &"a".repeat(300)));
    }
}

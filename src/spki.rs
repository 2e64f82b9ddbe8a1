//! P-384 public keys in SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), read by template.
//!
//! DER has exactly one encoding of a P-384 SubjectPublicKeyInfo with a named curve and an
//! uncompressed point (RFC 5480): a fixed 24-byte prefix, then `x` and `y`, 48 bytes each. So the
//! document is matched whole against that template instead of being walked by a general DER
//! parser, as ring does for the same structure. Any other document (another curve, explicit curve
//! parameters, a compressed point, a private key, trailing bytes) does not match and is refused.
//! Besides being the strictest possible reader, it keeps the `der`, `spki`, `pem-rfc7468` and
//! `base64ct` crates out of the verify-only WebAssembly module: 10.0 KB of its gzipped size.
//! (Minting still encodes and decodes keys with those crates; the verify module has no minting.)
//!
//! The PEM text accepted is RFC 7468's strict form as OpenSSL, IVS and the JOSE libraries write
//! it: the two boundaries, LF or CRLF line ends (one kind throughout), base64 lines of exactly 64
//! characters except the last, padding as base64 requires, nothing before or after (surrounding
//! whitespace aside). The tests hold it to the `spki` crate's reader: whatever this accepts, that
//! accepts as the same key.

use alloc::string::String;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// `SEQUENCE(118) { SEQUENCE(16) { OID id-ecPublicKey, OID secp384r1 }, BIT STRING(98) { 0 unused
/// bits, 0x04 (uncompressed) ... } }`.
const P384_SPKI_PREFIX: [u8; 24] = [
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04,
];

const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const END: &str = "-----END PUBLIC KEY-----";
const LINE: usize = 64;

/// The affine coordinates (`x`, `y`, big-endian) of the P-384 point in a SubjectPublicKeyInfo PEM,
/// or `None` if `pem` is anything else. Whether the point is on the curve is the caller's check.
pub(crate) fn p384_public_pem(pem: &str) -> Option<([u8; 48], [u8; 48])> {
    let body = pem.trim().strip_prefix(BEGIN)?.strip_suffix(END)?;
    let eol = if body.starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let body = body.strip_prefix(eol)?.strip_suffix(eol)?;
    let mut text = String::with_capacity(body.len());
    let mut lines = body.split(eol).peekable();
    while let Some(line) = lines.next() {
        let full = line.len() == LINE;
        let last = lines.peek().is_none();
        if !(full || (last && !line.is_empty() && line.len() < LINE)) {
            return None;
        }
        text.push_str(line);
    }
    // Strict: characters outside the alphabet (a stray `\r` included), missing or extra padding,
    // and non-zero trailing bits are errors.
    let der = STANDARD.decode(text).ok()?;
    let xy = der.strip_prefix(&P384_SPKI_PREFIX[..])?;
    let (x, y) = xy.split_at_checked(48)?;
    Some((x.try_into().ok()?, y.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec::Vec;
    use p384::elliptic_curve::sec1::ToSec1Point;
    use p384::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};

    /// What the `spki` crate (through `p384`) reads from `pem`: the SEC1 uncompressed point.
    fn library(pem: &str) -> Option<Vec<u8>> {
        let key = p384::PublicKey::from_public_key_pem(pem.trim()).ok()?;
        Some(key.to_sec1_point(false).as_bytes().to_vec())
    }

    /// The template's reading, with the on-curve check its caller makes (`jwt::parse_public_pem`).
    fn ours(pem: &str) -> Option<Vec<u8>> {
        let (x, y) = p384_public_pem(pem)?;
        let sec1 = [&[4u8][..], &x, &y].concat();
        p384::PublicKey::from_sec1_bytes(&sec1).ok()?;
        Some(sec1)
    }

    fn key_pem(seed: u8, ending: LineEnding) -> String {
        let sk = p384::SecretKey::from_slice(&[seed; 48]).unwrap();
        sk.public_key().to_public_key_pem(ending).unwrap()
    }

    #[test]
    fn reads_what_openssl_and_the_library_write() {
        for seed in 1..=20 {
            for ending in [LineEnding::LF, LineEnding::CRLF] {
                let pem = key_pem(seed, ending);
                assert!(ours(&pem).is_some(), "{pem}");
                assert_eq!(ours(&pem), library(&pem), "{pem}");
                // As configs carry it: without the final line end, or with surrounding whitespace.
                assert_eq!(ours(pem.trim_end()), library(&pem));
                assert_eq!(ours(&format!("  \n{pem}\n ")), library(&pem));
            }
        }
    }

    #[test]
    fn refuses_other_documents() {
        let pem = key_pem(7, LineEnding::LF);
        let lines: Vec<&str> = pem.lines().collect();
        let refused = [
            // A compressed point, P-256, and a private-key label over a public key (as in
            // tests/config_errors.rs).
            "-----BEGIN PUBLIC KEY-----\nMEYwEAYHKoZIzj0CAQYFK4EEACIDMgADZXECcT1j8yCSSH4QdZ/dB/o1+qlqL+q2\npMUNsOEzTi2wZg7cg7KaWCqv0yJcQVcl\n-----END PUBLIC KEY-----".into(),
            "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUK2ypku/Opooa5SLH15S4f+clF3a\nHbzuk+yyQEcRnbR0pbLpu1xvtoEebXyntBIleJM4xrmyAV7ctCDFJz1HBA==\n-----END PUBLIC KEY-----".into(),
            pem.replace("PUBLIC KEY", "PRIVATE KEY"),
            // The body on one line, or wrapped at 76 like MIME.
            format!("{}\n{}\n{}", lines[0], lines[1..4].concat(), lines[4]),
            format!("{}\n{}\n{}\n{}", lines[0], &lines[1..4].concat()[..76], &lines[1..4].concat()[76..], lines[4]),
            // Mixed line ends, a blank line, text before the boundary, a missing end boundary.
            pem.replacen('\n', "\r\n", 2),
            pem.replacen('\n', "\n\n", 2),
            format!("key:\n{pem}"),
            pem.replace(END, ""),
            // Whitespace inside the body, a character outside the alphabet.
            pem.replacen('\n', " \n", 2),
            pem.replacen('M', "_", 1),
            String::new(),
        ];
        for pem in &refused {
            assert_eq!(ours(pem), None, "{pem}");
        }
    }

    /// Every single-byte change of the DER and every truncation: whatever the template accepts,
    /// the library accepts as the same point (the template is never the laxer reader).
    #[test]
    fn never_laxer_than_the_library() {
        let pem = key_pem(9, LineEnding::LF);
        let der = p384::PublicKey::from_public_key_pem(&pem)
            .unwrap()
            .to_public_key_der()
            .unwrap()
            .into_vec();
        let wrap = |der: &[u8]| {
            let text = STANDARD.encode(der);
            let body: Vec<&str> = text
                .as_bytes()
                .chunks(LINE)
                .map(|c| core::str::from_utf8(c).unwrap())
                .collect();
            format!("{BEGIN}\n{}\n{END}\n", body.join("\n"))
        };
        assert!(ours(&wrap(&der)).is_some());
        for i in 0..der.len() {
            for delta in [1u8, 0x80] {
                let mut d = der.clone();
                d[i] ^= delta;
                let pem = wrap(&d);
                if let Some(point) = ours(&pem) {
                    assert_eq!(Some(point), library(&pem), "byte {i}");
                }
            }
        }
        for len in 0..der.len() {
            assert_eq!(ours(&wrap(&der[..len])), None, "truncated to {len}");
        }
        let mut longer = der.clone();
        longer.push(0);
        assert_eq!(ours(&wrap(&longer)), None);
    }
}

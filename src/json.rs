//! Strict JSON for untrusted input: like `serde_json::Value`, but an object with a duplicate member
//! name at any depth is an error (parsers disagree on whether the first or last member wins, which
//! makes duplicates a classic confusion attack on tokens).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The `visit_*` methods a visitor that accepts only `$accepts` (objects, or strings) answers with
/// a plain error, for use with `deserialize_any`. serde's defaults (and serde_json's typed
/// `deserialize_map`/`deserialize_str`) describe the value found in the error message, which
/// links a float formatter (~15 KB of WebAssembly) that nothing else in a gate needs; no caller
/// reads those messages (every parse failure is `malformed_token`).
macro_rules! only_accepts {
    ($accepts:literal, $value:ty) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<$value, E> {
            Err(E::custom(concat!("expected ", $accepts)))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<$value, E> {
            Err(E::custom(concat!("expected ", $accepts)))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<$value, E> {
            Err(E::custom(concat!("expected ", $accepts)))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<$value, E> {
            Err(E::custom(concat!("expected ", $accepts)))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<$value, E> {
            Err(E::custom(concat!("expected ", $accepts)))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<$value, A::Error> {
            Err(serde::de::Error::custom(concat!("expected ", $accepts)))
        }
    };
}
pub(crate) use only_accepts;

/// A JSON value parsed with duplicate member names rejected.
pub(crate) struct StrictValue(pub Value);

/// Parses `bytes` as one JSON value, rejecting duplicate member names anywhere.
#[cfg(test)]
pub(crate) fn parse_strict(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice::<StrictValue>(bytes)
        .ok()
        .map(|v| v.0)
}

/// Parses `bytes` as a JSON object, rejecting duplicate member names anywhere.
#[cfg(test)]
pub(crate) fn parse_strict_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match parse_strict(bytes)? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let StrictValue(value) = access.next_value()?;
            if map.insert(key, value).is_some() {
                return Err(de::Error::custom("duplicate member name"));
            }
        }
        Ok(Value::Object(map))
    }
}

/// A member name, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.into())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Key<'de>, A::Error> {
                Err(de::Error::custom("expected a member name"))
            }
            only_accepts!("a member name", Key<'de>);
        }
        deserializer.deserialize_any(V)
    }
}

/// A member value read for a typed field: scalars are kept (strings borrowed from the input when
/// they have no escapes); anything else (objects, arrays, null) is parsed strictly — duplicates
/// inside are still an error — and reduced to `Other`, so that a wrong type can be reported after
/// the signature check rather than as a parse failure.
pub(crate) enum Scalar<'de> {
    Str(Cow<'de, str>),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Other,
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::UInt(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v.into())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
                StrictVisitor.visit_seq(seq).map(|_| Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
                StrictVisitor.visit_map(map).map(|_| Scalar::Other)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Scalar<'static> {
    /// From a JSON value (claims built from a map rather than parsed).
    pub(crate) fn from_value(v: Value) -> Scalar<'static> {
        match v {
            Value::String(s) => Scalar::Str(Cow::Owned(s)),
            Value::Bool(b) => Scalar::Bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Scalar::UInt(u),
                (_, Some(i), _) => Scalar::Int(i),
                (_, _, Some(f)) => Scalar::Float(f),
                _ => Scalar::Other,
            },
            _ => Scalar::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert!(parse_strict(br#"{"a":1,"a":2}"#).is_none());
        assert!(parse_strict(br#"{"x":{"b":1,"b":1}}"#).is_none());
        assert!(parse_strict(br#"[{"c":[{"d":1,"d":2}]}]"#).is_none());
        assert!(parse_strict(br#"{"a":1,"b":{"a":2}}"#).is_some());
    }

    #[test]
    fn rejects_trailing_garbage_and_non_objects() {
        assert!(parse_strict(br#"{"a":1} x"#).is_none());
        assert!(parse_strict_object(b"[1]").is_none());
        assert!(parse_strict_object(b"").is_none());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse_strict(deep.as_bytes()).is_none());
    }
}

//! Adapters from the request shapes every surface meets: the plain corpus shape, the CloudFront
//! Functions event and the Lambda@Edge event (`Records[0].cf.request`). They own the strings; a
//! [`Request`] view is lent to a closure.

use crate::request::parse_cookie_header;
use crate::Request;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use serde_json::{Map, Value};

/// Which shape a request document had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `{method, uri, querystring, headers, cookies, clientIp}`.
    Plain,
    /// A CloudFront Functions viewer-request event.
    CloudFrontFunction,
    /// A Lambda@Edge viewer-request event.
    LambdaEdge,
}

/// A request document that cannot be read, with what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventError(pub &'static str);

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// An owned request read from an event document.
#[derive(Clone, Debug, Default)]
pub struct OwnedRequest {
    /// Method.
    pub method: String,
    /// Raw path.
    pub uri: String,
    /// Raw query string (for CloudFront Functions events: rebuilt from the object, in key order).
    pub querystring: String,
    /// `(lowercase name, value)`.
    pub headers: Vec<(String, String)>,
    /// `(name, value)`.
    pub cookies: Vec<(String, String)>,
    /// Viewer IP.
    pub client_ip: String,
}

impl OwnedRequest {
    /// Reads any of the three shapes from JSON text.
    pub fn from_json(json: &str) -> Result<(Shape, OwnedRequest), EventError> {
        let v: Value =
            serde_json::from_str(json).map_err(|_| EventError("request is not valid JSON"))?;
        Self::from_value(&v)
    }

    /// Reads any of the three shapes from a parsed document.
    pub fn from_value(v: &Value) -> Result<(Shape, OwnedRequest), EventError> {
        let obj = v
            .as_object()
            .ok_or(EventError("request must be a JSON object"))?;
        if let Some(records) = obj.get("Records") {
            let req = records
                .as_array()
                .and_then(|r| r.first())
                .and_then(|r| r.get("cf"))
                .and_then(|cf| cf.get("request"))
                .and_then(Value::as_object)
                .ok_or(EventError(
                    "Lambda@Edge event without Records[0].cf.request",
                ))?;
            return Ok((Shape::LambdaEdge, lambda_edge(req)?));
        }
        if let Some(req) = obj.get("request") {
            let req = req
                .as_object()
                .ok_or(EventError("event.request must be an object"))?;
            let ip = obj
                .get("viewer")
                .and_then(|v| v.get("ip"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Ok((Shape::CloudFrontFunction, cloudfront_function(req, ip)?));
        }
        Ok((Shape::Plain, plain(obj)?))
    }

    /// Lends a borrowed [`Request`] view to `f`.
    pub fn with_view<R>(&self, f: impl FnOnce(&Request<'_>) -> R) -> R {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let cookies: Vec<(&str, &str)> = self
            .cookies
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        f(&Request {
            method: &self.method,
            uri: &self.uri,
            querystring: &self.querystring,
            headers: &headers,
            cookies: &cookies,
            client_ip: &self.client_ip,
        })
    }
}

fn str_field<'a>(
    o: &'a Map<String, Value>,
    name: &str,
    err: &'static str,
) -> Result<&'a str, EventError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(EventError(err)),
    }
}

fn plain(o: &Map<String, Value>) -> Result<OwnedRequest, EventError> {
    let mut r = OwnedRequest {
        method: str_field(o, "method", "method must be a string")?.to_string(),
        uri: str_field(o, "uri", "uri must be a string")?.to_string(),
        querystring: str_field(o, "querystring", "querystring must be a string")?.to_string(),
        client_ip: str_field(o, "clientIp", "clientIp must be a string")?.to_string(),
        ..OwnedRequest::default()
    };
    if let Some(h) = o.get("headers") {
        for (n, v) in h
            .as_object()
            .ok_or(EventError("headers must be an object"))?
        {
            let v = v
                .as_str()
                .ok_or(EventError("header values must be strings"))?;
            r.headers.push((n.to_ascii_lowercase(), v.into()));
        }
    }
    if let Some(c) = o.get("cookies") {
        for (n, v) in c
            .as_object()
            .ok_or(EventError("cookies must be an object"))?
        {
            let v = v
                .as_str()
                .ok_or(EventError("cookie values must be strings"))?;
            r.cookies.push((n.clone(), v.into()));
        }
    }
    Ok(r)
}

/// `{name: {value, multiValue?: [{value}]}}` → every value, in order.
fn cf_values<'a>(
    o: &'a Map<String, Value>,
    what: &'static str,
) -> Result<Vec<(&'a str, &'a str)>, EventError> {
    let mut out = Vec::new();
    for (n, entry) in o {
        let entry = entry.as_object().ok_or(EventError(what))?;
        match entry.get("multiValue").and_then(Value::as_array) {
            Some(multi) if !multi.is_empty() => {
                for m in multi {
                    let v = m
                        .get("value")
                        .and_then(Value::as_str)
                        .ok_or(EventError(what))?;
                    out.push((n.as_str(), v));
                }
            }
            _ => {
                let v = entry
                    .get("value")
                    .and_then(Value::as_str)
                    .ok_or(EventError(what))?;
                out.push((n.as_str(), v));
            }
        }
    }
    Ok(out)
}

fn cloudfront_function(o: &Map<String, Value>, ip: &str) -> Result<OwnedRequest, EventError> {
    let mut r = OwnedRequest {
        method: str_field(o, "method", "request.method must be a string")?.to_string(),
        uri: str_field(o, "uri", "request.uri must be a string")?.to_string(),
        client_ip: ip.to_string(),
        ..OwnedRequest::default()
    };
    let empty = Map::new();
    let obj = |name: &str| match o.get(name) {
        None => Ok(&empty),
        Some(v) => v.as_object().ok_or(EventError(
            "querystring, headers and cookies must be objects",
        )),
    };
    let qs = cf_values(obj("querystring")?, "querystring entries must be {value}")?;
    let mut q = String::new();
    for (n, v) in qs {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(n);
        // CloudFront Functions drop the `=` of a valueless parameter; keep what was sent otherwise.
        if !v.is_empty() {
            q.push('=');
            q.push_str(v);
        }
    }
    r.querystring = q;
    for (n, v) in cf_values(obj("headers")?, "header entries must be {value}")? {
        r.headers.push((n.to_ascii_lowercase(), v.into()));
    }
    for (n, v) in cf_values(obj("cookies")?, "cookie entries must be {value}")? {
        r.cookies.push((n.into(), v.into()));
    }
    Ok(r)
}

fn lambda_edge(o: &Map<String, Value>) -> Result<OwnedRequest, EventError> {
    let mut r = OwnedRequest {
        method: str_field(o, "method", "request.method must be a string")?.to_string(),
        uri: str_field(o, "uri", "request.uri must be a string")?.to_string(),
        querystring: str_field(o, "querystring", "request.querystring must be a string")?
            .to_string(),
        client_ip: str_field(o, "clientIp", "request.clientIp must be a string")?.to_string(),
        ..OwnedRequest::default()
    };
    if let Some(h) = o.get("headers") {
        for (n, list) in h
            .as_object()
            .ok_or(EventError("request.headers must be an object"))?
        {
            let list = list
                .as_array()
                .ok_or(EventError("header entries must be [{key, value}]"))?;
            for item in list {
                let v = item
                    .get("value")
                    .and_then(Value::as_str)
                    .ok_or(EventError("header entries must be [{key, value}]"))?;
                let name = n.to_ascii_lowercase();
                if name == "cookie" {
                    for (cn, cv) in parse_cookie_header(v) {
                        r.cookies.push((cn.into(), cv.into()));
                    }
                }
                r.headers.push((name, v.into()));
            }
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_three_shapes() {
        let (s, r) = OwnedRequest::from_json(
            r#"{"Records":[{"cf":{"request":{"clientIp":"1.2.3.4","method":"GET","uri":"/a","querystring":"x=1",
            "headers":{"cookie":[{"key":"Cookie","value":"t=abc; u=1"}],"origin":[{"key":"Origin","value":"https://o"}]}}}}]}"#,
        )
        .unwrap();
        assert_eq!(s, Shape::LambdaEdge);
        assert_eq!(r.cookies[0], ("t".into(), "abc".into()));
        assert_eq!(r.client_ip, "1.2.3.4");

        let (s, r) = OwnedRequest::from_json(
            r#"{"version":"1.0","viewer":{"ip":"::1"},"request":{"method":"GET","uri":"/b",
            "querystring":{"a":{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]},"token":{"value":"t"}},
            "headers":{"Host":{"value":"h"}},"cookies":{"c":{"value":"v"}}}}"#,
        )
        .unwrap();
        assert_eq!(s, Shape::CloudFrontFunction);
        assert_eq!(r.querystring, "a=1&a=2&token=t");
        assert_eq!(r.headers[0], ("host".into(), "h".into()));

        let (s, r) = OwnedRequest::from_json(r#"{"uri":"/c","querystring":"t=1"}"#).unwrap();
        assert_eq!(s, Shape::Plain);
        assert_eq!(r.uri, "/c");
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(OwnedRequest::from_json("[]").is_err());
        assert!(OwnedRequest::from_json(r#"{"Records":[]}"#).is_err());
        assert!(OwnedRequest::from_json(r#"{"uri":5}"#).is_err());
        assert!(OwnedRequest::from_json(r#"{"request":{"querystring":{"a":1}}}"#).is_err());
    }
}

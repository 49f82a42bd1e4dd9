//! Comparing bodies and values the way the matcher does: parsed JSON, key order ignored,
//! recorded `sanitized` values as wildcards, `null` as absent, timestamps as instants.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::matching::{diff, Difference};

/// Checks a body we sent against a recorded body (see the module doc for the tolerances).
pub fn check_body(ours: &[u8], recorded: &Value) -> Result<(), Difference> {
    let ours_text = std::str::from_utf8(ours).unwrap_or("").trim();
    let ours_empty = ours.is_empty() || ours_text.is_empty();
    match recorded {
        Value::Null => {
            if ours_empty || ours_text == "{}" {
                Ok(())
            } else {
                Err(diff("body", format!("ours {ours_text}, recorded none")))
            }
        }
        Value::String(s) if sanitized(s) => Ok(()),
        Value::String(s) => {
            if s.trim() == ours_text || (s.trim().is_empty() && ours_text == "{}") {
                Ok(())
            } else {
                Err(diff("body", format!("ours {ours_text:?}, recorded {s:?}")))
            }
        }
        _ => {
            let value: Value = serde_json::from_slice(ours).map_err(|e| {
                diff(
                    "body",
                    format!("ours is not JSON ({e}), recorded {recorded}"),
                )
            })?;
            json_matches(recorded, &value, "$").map_err(|d| diff("body", d))
        }
    }
}

/// Compares JSON values: `recorded` may hold `sanitized` wildcards (see the module doc).
/// Returns where and how they differ.
pub fn json_matches(recorded: &Value, ours: &Value, at: &str) -> Result<(), String> {
    match (recorded, ours) {
        (Value::String(r), _) if sanitized(r) => Ok(()),
        (Value::Object(r), Value::Object(o)) => {
            for (key, rv) in r {
                match o.get(key) {
                    Some(ov) => json_matches(rv, ov, &format!("{at}.{key}"))?,
                    None if rv.is_null() => {}
                    None => return Err(format!("{at}.{key} is missing from ours")),
                }
            }
            match o.iter().find(|(k, v)| !r.contains_key(*k) && !v.is_null()) {
                Some((k, v)) => Err(format!("{at}.{k} = {v} is not in the recording")),
                None => Ok(()),
            }
        }
        (Value::Array(r), Value::Array(o)) if r.len() == o.len() => r
            .iter()
            .zip(o)
            .enumerate()
            .try_for_each(|(i, (rv, ov))| json_matches(rv, ov, &format!("{at}[{i}]"))),
        (Value::String(r), Value::String(o)) if r == o || same_instant(r, o) => Ok(()),
        (Value::Number(r), Value::Number(o)) if r.as_f64() == o.as_f64() => Ok(()),
        (r, o) if r == o => Ok(()),
        (r, o) => Err(format!("{at}: ours {o}, recorded {r}")),
    }
}

/// True for a value a recorder put in place of a secret or an id.
pub fn sanitized(value: &str) -> bool {
    value.eq_ignore_ascii_case("sanitized")
}

/// Decodes `%XX` escapes (a malformed escape is kept as is; `+` stays `+`).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| char::from(*b).to_digit(16));
        match (bytes.get(i), hex(i + 1), hex(i + 2)) {
            (Some(b'%'), Some(h), Some(l)) => {
                // Two hex digits always fit one byte.
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        OffsetDateTime::parse(a, &Rfc3339),
        OffsetDateTime::parse(b, &Rfc3339),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_compare_as_instants_and_null_as_absent() {
        let rec = json!({"t": "2024-02-16T23:46:29.270334Z", "n": null});
        assert!(json_matches(&rec, &json!({"t": "2024-02-16T23:46:29.2703340Z"}), "$").is_ok());
        assert!(json_matches(&rec, &json!({"t": "2024-02-16T23:46:29.2703341Z"}), "$").is_err());
        assert!(check_body(b"{}", &Value::Null).is_ok());
        assert!(check_body(br#"{"a":1}"#, &Value::Null).is_err());
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("1%2F1%2F1970%20+%zz"), "1/1/1970 +%zz");
    }

    fn json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9:@._-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Replaces the `n`-th leaf (depth first) with `sanitized`.
    fn sanitize_leaf(v: &mut Value, n: &mut usize) -> bool {
        match v {
            Value::Array(items) => items.iter_mut().any(|i| sanitize_leaf(i, n)),
            Value::Object(map) => map.values_mut().any(|i| sanitize_leaf(i, n)),
            leaf => {
                if *n == 0 {
                    *leaf = Value::String("sanitized".into());
                    return true;
                }
                *n -= 1;
                false
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn every_value_matches_itself_and_its_text(v in json()) {
            proptest::prop_assert!(json_matches(&v, &v, "$").is_ok());
            let text = serde_json::to_vec(&v).unwrap();
            if v.is_object() || v.is_array() {
                proptest::prop_assert!(check_body(&text, &v).is_ok());
            }
        }

        #[test]
        fn a_sanitized_leaf_matches_whatever_was_there(v in json(), n in 0usize..8) {
            let mut recorded = v.clone();
            sanitize_leaf(&mut recorded, &mut n.clone());
            proptest::prop_assert!(json_matches(&recorded, &v, "$").is_ok());
        }

        #[test]
        fn an_extra_field_in_ours_is_caught(v in json(), key in "[a-z]{1,6}") {
            if let Value::Object(map) = &v {
                let mut ours = map.clone();
                if !ours.contains_key(&key) {
                    ours.insert(key, json!(1));
                    proptest::prop_assert!(json_matches(&v, &Value::Object(ours), "$").is_err());
                }
            }
        }
    }
}

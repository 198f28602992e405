//! JSON text through one serializer. Every serde type compiles once per
//! serializer it is written with, and in the site's wasm each copy costs
//! kilobytes: so scenarios and reports are only ever serialised compactly
//! to text, and the indented form and the `Value` form are made from that
//! text. The bytes are those `serde_json::to_string_pretty` and
//! `serde_json::to_value` give (tested below).

use serde::Serialize;
use serde_json::Value;

/// `x` as JSON text indented by two spaces, in the field order `x` writes.
pub fn to_string_pretty<T: Serialize + ?Sized>(x: &T) -> Result<String, serde_json::Error> {
    pretty(&serde_json::to_string(x)?)
}

/// Compact JSON text indented by two spaces, keeping its order.
pub fn pretty(compact: &str) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(compact.len() * 3 / 2);
    let mut de = serde_json::Deserializer::from_str(compact);
    let mut ser = serde_json::Serializer::pretty(&mut out);
    serde_transcode::transcode(&mut de, &mut ser)?;
    de.end()?;
    // The serializer writes only UTF-8, from a &str.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// `x` as a JSON value (by value, as `serde_json::to_value`).
pub fn to_value<T: Serialize>(x: T) -> Result<Value, serde_json::Error> {
    serde_json::from_str(&serde_json::to_string(&x)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scenario, Sim};

    fn scenarios() -> Vec<Scenario> {
        let texts = [
            "{}",
            r#"{"duration_s": 30, "warmup_s": 3, "workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}}}"#,
            r#"{"version": 2, "duration_s": 30, "warmup_s": 3,
                "services": [{"name": "api", "route": "proxy", "workload": {"rate_per_s": 300}},
                             {"name": "fn", "kind": "serverless", "pool": {"max_size": 1}}],
                "proxy": {"pool_mode": "transaction", "default_pool_size": 20},
                "events": [{"at_s": 10, "kind": "db_restart", "target": "primary", "down_s": 2}]}"#,
        ];
        texts.iter().map(|t| crate::parse(t).unwrap()).collect()
    }

    #[test]
    fn pretty_and_value_are_serde_jsons_own() {
        for s in scenarios() {
            assert_eq!(
                to_string_pretty(&s).unwrap(),
                serde_json::to_string_pretty(&s).unwrap()
            );
            assert_eq!(to_value(&s).unwrap(), serde_json::to_value(&s).unwrap());
            let r = Sim::new(&crate::validate(&s, u64::MAX).unwrap()).run_to_end();
            assert_eq!(
                to_string_pretty(&r).unwrap(),
                serde_json::to_string_pretty(&r).unwrap()
            );
            assert_eq!(to_value(&r).unwrap(), serde_json::to_value(&r).unwrap());
        }
    }

    #[test]
    fn pretty_refuses_what_is_not_json() {
        assert!(pretty("{\"a\": 1").is_err());
        assert!(pretty("[1] 2").is_err());
        assert_eq!(pretty("[]").unwrap(), "[]");
        assert_eq!(
            pretty("{\"a\":[1,{}]}").unwrap(),
            "{\n  \"a\": [\n    1,\n    {}\n  ]\n}"
        );
    }
}

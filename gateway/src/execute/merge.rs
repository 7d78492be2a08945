//! Deep merge of subgraph results into the response tree.

use serde_json::Value;

/// Merges `source` into `target`: objects key by key, lists of equal length
/// item by item; anything else replaces the target unless `source` is null
/// and the target already has a value.
pub fn deep_merge(target: &mut Value, source: Value) {
    match (target, source) {
        (Value::Object(target), Value::Object(source)) => {
            for (key, value) in source {
                match target.get_mut(&key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (Value::Array(target), Value::Array(source)) if target.len() == source.len() => {
            for (t, s) in target.iter_mut().zip(source) {
                deep_merge(t, s);
            }
        }
        (target, Value::Null) if !target.is_null() => {}
        (target, source) => *target = source,
    }
}

#[cfg(test)]
mod tests {
    use super::deep_merge;
    use serde_json::json;

    #[test]
    fn merges_objects_and_lists_item_by_item() {
        let mut target =
            json!({"reports": [{"id": "1", "ward": {"id": "a"}}, {"id": "2", "ward": null}]});
        deep_merge(
            &mut target,
            json!({"reports": [{"ward": {"name": "A"}}, {"title": "t"}]}),
        );
        assert_eq!(
            target,
            json!({"reports": [{"id": "1", "ward": {"id": "a", "name": "A"}}, {"id": "2", "ward": null, "title": "t"}]})
        );
    }
}

//! Finding a field of an event (an Avro record value) by its `FieldPath`, looking
//! through unions: what decoding, encryption, the views and the JSON writer all walk by.

use apache_avro::types::Value;

use super::schemas::FieldPath;

/// The position of a record's field: where a resolved path expects it, else found by
/// name.
pub(super) fn position(
    fields: &[(String, Value)],
    name: &str,
    expected: Option<usize>,
) -> Option<usize> {
    match expected {
        Some(i) if fields.get(i).is_some_and(|(k, _)| k == name) => Some(i),
        _ => fields.iter().position(|(k, _)| k == name),
    }
}

/// The value at a path, looking through unions.
pub fn get<'a>(event: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    let mut current = event;
    for (name, expected) in path.steps() {
        let Value::Record(fields) = unwrap_union(current) else {
            return None;
        };
        current = &fields[position(fields, name, expected)?].1;
    }
    Some(unwrap_union(current))
}

pub fn get_mut<'a>(event: &'a mut Value, path: &FieldPath) -> Option<&'a mut Value> {
    slot_mut(event, path).map(unwrap_union_mut)
}

/// The slot of the field at a path itself (a union stays a union), to replace it.
pub fn slot_mut<'a>(event: &'a mut Value, path: &FieldPath) -> Option<&'a mut Value> {
    let mut steps = path.steps();
    let (name, expected) = steps.next()?;
    let Value::Record(fields) = unwrap_union_mut(event) else {
        return None;
    };
    let i = position(fields, name, expected)?;
    let mut current = &mut fields[i].1;
    for (name, expected) in steps {
        let Value::Record(fields) = unwrap_union_mut(current) else {
            return None;
        };
        let i = position(fields, name, expected)?;
        current = &mut fields[i].1;
    }
    Some(current)
}

pub(super) fn unwrap_union(v: &Value) -> &Value {
    match v {
        Value::Union(_, inner) => inner,
        other => other,
    }
}

fn unwrap_union_mut(v: &mut Value) -> &mut Value {
    match v {
        Value::Union(_, inner) => inner,
        other => other,
    }
}

//! A field path inside an event as contracts write it (`customer/id`), resolved once
//! against an Avro schema to the positions of its fields.

use apache_avro::Schema as AvroSchema;

/// A field path inside an event, as contracts write it: `customer/id`. A path resolved
/// against a schema also knows each field's position in its record, so that walking an
/// event of that schema looks at one field per step instead of searching.
#[derive(Debug, Clone)]
pub struct FieldPath {
    segments: Vec<String>,
    /// One per segment when resolved, else empty.
    positions: Vec<usize>,
}

impl FieldPath {
    pub fn parse(text: &str) -> FieldPath {
        FieldPath {
            segments: text.split('/').map(str::to_owned).collect(),
            positions: Vec::new(),
        }
    }

    /// The path in `schema`, or `None` when the schema has no such field.
    pub fn resolve(schema: &AvroSchema, text: &str) -> Option<FieldPath> {
        let mut path = FieldPath::parse(text);
        let mut current = schema;
        for segment in &path.segments {
            let AvroSchema::Record(record) = strip_union(current) else {
                return None;
            };
            let i = *record.lookup.get(segment)?;
            path.positions.push(i);
            current = &record.fields[i].schema;
        }
        Some(path)
    }

    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Each segment with the position its field has in its record, when known.
    pub fn steps(&self) -> impl Iterator<Item = (&str, Option<usize>)> {
        let positions = self.positions.iter().copied().map(Some);
        self.segments
            .iter()
            .map(String::as_str)
            .zip(positions.chain(std::iter::repeat(None)))
    }
}

/// Paths are equal when they name the same fields, resolved or not.
impl PartialEq for FieldPath {
    fn eq(&self, other: &Self) -> bool {
        self.segments == other.segments
    }
}

impl Eq for FieldPath {}

impl std::hash::Hash for FieldPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.segments.hash(state);
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

/// The schema of the field at `path`, looking through nullable unions.
pub fn field_schema<'a>(schema: &'a AvroSchema, path: &FieldPath) -> Option<&'a AvroSchema> {
    let mut current = schema;
    for segment in path.segments() {
        current = strip_union(current);
        let AvroSchema::Record(record) = current else {
            return None;
        };
        current = &record.fields[*record.lookup.get(segment)?].schema;
    }
    Some(current)
}

pub(crate) fn strip_union(schema: &AvroSchema) -> &AvroSchema {
    match schema {
        AvroSchema::Union(u) => u
            .variants()
            .iter()
            .find(|s| !matches!(s, AvroSchema::Null))
            .unwrap_or(schema),
        other => other,
    }
}

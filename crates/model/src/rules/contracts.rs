//! The rules of data contracts and data subjects (`data-contracts.md`) that hold without
//! parsing a schema; the server checks the schema-dependent ones (a path exists, a field
//! is a string) with the schema's own parser.

use super::{Invalid, check_name};
use crate::ContractRef;

pub const CONTRACT_REF_RULE: &str = "a contract ref is handle/name/version: handle and name \
     follow the name rule (1-63 lower-case letters, digits and '-'), version is \
     MAJOR.MINOR.PATCH";
pub const VERSION_RULE: &str = "a version is MAJOR.MINOR.PATCH, three whole numbers such as 1.0.0";
pub const FIELD_PATH_RULE: &str = "a field path is field names joined by '/', e.g. customer/id";
pub const REGEX_MAX: usize = 1000;
pub const REGEX_RULE: &str = "a validation's value is a regular expression that compiles, at \
     most 1000 characters";
pub const SCHEMA_MAX: usize = 512 * 1024;
pub const SCHEMA_TEXT_RULE: &str = "the schema is its JSON text sent as a string, at most 512 KiB";
pub const KEY_FIELD_RULE: &str =
    "keyField is the path of a required string field of the schema (not nullable)";
pub const SUBJECT_FIELD_RULE: &str = "dataSubjectField is the path of a string field of the schema";
pub const PII_FIELD_RULE: &str =
    "each PII field is the path of a string field, or an array of strings, of the schema";
pub const VALIDATION_FIELD_RULE: &str = "a validation's field is the path of a string field of \
     the schema";
pub const RESERVED_HANDLE_RULE: &str = "the handle streammachine is Stream Machine's own, for the public contracts; publish under \
     your own handle";
pub const CONTRACT_IMMUTABLE_RULE: &str = "contracts are immutable: publish a new version instead";
pub const DATA_SUBJECTS_MAX: usize = 1000;
pub const DATA_SUBJECT_ID_MAX: usize = 1024;
pub const DATA_SUBJECTS_RULE: &str =
    "dataSubjects is 1 to 1000 ids, each 1-1024 characters without control characters";

pub fn check_version(field: &str, version: &str) -> Result<(), Invalid> {
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !parts.iter().all(numeric) {
        return Err(Invalid::new(
            field,
            format!("{version:?} is not MAJOR.MINOR.PATCH"),
            VERSION_RULE,
        ));
    }
    Ok(())
}

pub fn check_contract_ref(r: &ContractRef) -> Result<(), Invalid> {
    check_name("ref/handle", &r.handle)?;
    check_name("ref/name", &r.name)?;
    check_version("ref/version", &r.version)
}

/// A path as contracts write it: `customer/id`.
pub fn check_field_path(field: &str, path: &str) -> Result<(), Invalid> {
    if path.is_empty() {
        return Err(Invalid::new(field, "is empty", FIELD_PATH_RULE));
    }
    if path.split('/').any(|s| s.trim().is_empty()) {
        return Err(Invalid::new(
            field,
            format!("{path:?} has an empty segment"),
            FIELD_PATH_RULE,
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            format!("{path:?} has a control character"),
            FIELD_PATH_RULE,
        ));
    }
    Ok(())
}

pub fn check_validation_regex(field: &str, value: &str) -> Result<(), Invalid> {
    compile_validation_regex(field, value).map(drop)
}

/// A validation's regex, compiled, or why it is refused (`field` names it).
pub fn compile_validation_regex(field: &str, value: &str) -> Result<regex::Regex, Invalid> {
    let len = value.chars().count();
    if len > REGEX_MAX {
        return Err(Invalid::new(
            field,
            format!("is {len} characters long"),
            REGEX_RULE,
        ));
    }
    regex::Regex::new(value).map_err(|e| {
        // The regex crate's message spans lines, pointing at the place; one line here.
        let why = e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        Invalid::new(
            field,
            format!("{value:?} does not compile ({why})"),
            REGEX_RULE,
        )
    })
}

pub fn check_schema_text(schema: &str) -> Result<(), Invalid> {
    if schema.trim().is_empty() {
        return Err(Invalid::new("schema", "is empty", SCHEMA_TEXT_RULE));
    }
    if schema.len() > SCHEMA_MAX {
        return Err(Invalid::new(
            "schema",
            format!("is {} bytes long", schema.len()),
            SCHEMA_TEXT_RULE,
        ));
    }
    Ok(())
}

pub fn check_data_subject_id(field: &str, id: &str) -> Result<(), Invalid> {
    let len = id.chars().count();
    if len == 0 || len > DATA_SUBJECT_ID_MAX || id.chars().any(char::is_control) {
        // The id is personal data: say what is wrong, not what it is.
        return Err(Invalid::new(
            field,
            format!("is {len} characters long or has a control character"),
            DATA_SUBJECTS_RULE,
        ));
    }
    Ok(())
}

pub fn check_data_subject_ids(ids: &[String]) -> Result<(), Invalid> {
    if ids.is_empty() || ids.len() > DATA_SUBJECTS_MAX {
        return Err(Invalid::new(
            "dataSubjects",
            format!("has {} ids", ids.len()),
            DATA_SUBJECTS_RULE,
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        check_data_subject_id(&format!("dataSubjects/{i}"), id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_three_numbers() {
        for ok in ["1.0.0", "0.0.11", "10.20.30"] {
            check_version("v", ok).unwrap();
        }
        for bad in ["1.0", "1.0.0.0", "v1.0.0", "1..0", "1.0.x", ""] {
            assert!(check_version("v", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_regexes_and_subjects() {
        check_field_path("keyField", "customer/id").unwrap();
        assert!(check_field_path("keyField", "customer//id").is_err());
        assert!(check_field_path("keyField", "").is_err());
        check_validation_regex("v", "^.+$").unwrap();
        assert!(check_validation_regex("v", &"a".repeat(1001)).is_err());
        assert!(check_data_subject_ids(&[]).is_err());
        assert!(check_data_subject_ids(&vec!["a".into(); 1001]).is_err());
        let err = check_data_subject_ids(&["ok".into(), "bad\n".into()]).unwrap_err();
        assert_eq!(err.field, "dataSubjects/1");
        assert!(!err.to_string().contains("bad"), "{err}");
    }
}

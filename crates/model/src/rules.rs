//! The one definition of the names, limits and validation rules of the API. The server
//! enforces them, and the CLI and the console's forms call the same functions so that
//! a user sees the same message wherever the value was typed.

use serde::{Deserialize, Serialize};

use super::{S3Credentials, SinkType};

mod cluster;
pub use cluster::*;
mod observe;
pub use observe::*;
mod contracts;
pub use contracts::*;

pub const NAME_MAX: usize = 63;
pub const DESCRIPTION_MAX: usize = 1024;
pub const TAGS_MAX: usize = 20;
pub const TAG_MAX: usize = 64;
pub const CONSENT_LEVEL_MAX: i64 = 4095;
pub const CONSENT_NAME_MAX: usize = 64;
pub const INTERVAL_MIN: i64 = 30;
pub const INTERVAL_MAX: i64 = 3600;
pub const PATH_PREFIX_MAX: usize = 1024;
pub const BUCKET_MIN: usize = 3;
pub const BUCKET_MAX: usize = 63;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;
/// Largest request body the API accepts (control and data plane alike).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub const NAME_RULE: &str = "a name is 1-63 characters of lower-case letters, digits and '-', \
     starting and ending with a letter or digit";
pub const DESCRIPTION_RULE: &str = "a description is at most 1024 characters";
pub const TAGS_RULE: &str = "at most 20 tags, each 1-64 printable characters";
pub const CONSENT_LEVELS_RULE: &str = "consent levels are one or more whole numbers from 0 to 4095";
pub const INTERVAL_RULE: &str = "the interval is a whole number of seconds from 30 to 3600";
pub const BUCKET_RULE: &str = "a bucket name is 3-63 characters of lower-case letters, digits, \
     '.' and '-', starting and ending with a letter or digit, without a scheme";
pub const PATH_PREFIX_RULE: &str = "a path prefix is at most 1024 printable characters \
     of '/'-separated segments, none empty, '.' or '..'";
pub const CONSENT_NAME_RULE: &str = "a consent-level name is 1-64 printable characters";
pub const EMAIL_RULE: &str =
    "an e-mail address is local-part@domain with letters in the local part";
pub const PASSWORD_RULE: &str = "a password is 8-1024 characters";

/// A value that breaks a rule: which field, what is wrong with the value, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalid {
    pub field: String,
    pub problem: String,
    pub rule: String,
}

impl Invalid {
    pub fn new(
        field: impl Into<String>,
        problem: impl Into<String>,
        rule: impl Into<String>,
    ) -> Self {
        Invalid {
            field: field.into(),
            problem: problem.into(),
            rule: rule.into(),
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}; {}", self.field, self.problem, self.rule)
    }
}

impl std::error::Error for Invalid {}

fn is_printable(c: char) -> bool {
    !c.is_control()
}

/// A value of 1 to `max` characters, each one `allowed`; the message names `field`, the
/// value's problem and `rule`.
fn check_chars(
    field: &str,
    value: &str,
    max: usize,
    rule: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), Invalid> {
    let fail = |problem: String| Err(Invalid::new(field, problem, rule));
    let len = value.chars().count();
    if len == 0 {
        return fail("is empty".into());
    }
    if len > max {
        return fail(format!("is {len} characters long"));
    }
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return fail(format!("{value:?} contains {c:?}"));
    }
    Ok(())
}

pub fn check_name(field: &str, value: &str) -> Result<(), Invalid> {
    check_chars(field, value, NAME_MAX, NAME_RULE, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
    })?;
    if value.starts_with('-') || value.ends_with('-') {
        return Err(Invalid::new(
            field,
            format!("{value:?} starts or ends with '-'"),
            NAME_RULE,
        ));
    }
    Ok(())
}

pub fn check_description(value: Option<&str>) -> Result<(), Invalid> {
    match value {
        Some(d) if d.chars().count() > DESCRIPTION_MAX => Err(Invalid::new(
            "description",
            format!("is {} characters long", d.chars().count()),
            DESCRIPTION_RULE,
        )),
        _ => Ok(()),
    }
}

pub fn check_tags(tags: &[String]) -> Result<(), Invalid> {
    if tags.len() > TAGS_MAX {
        return Err(Invalid::new(
            "tags",
            format!("has {} tags", tags.len()),
            TAGS_RULE,
        ));
    }
    for tag in tags {
        let len = tag.chars().count();
        if len == 0 {
            return Err(Invalid::new("tags", "has an empty tag", TAGS_RULE));
        }
        if len > TAG_MAX {
            return Err(Invalid::new(
                "tags",
                format!("tag {tag:?} is {len} characters long"),
                TAGS_RULE,
            ));
        }
        if !tag.chars().all(is_printable) {
            return Err(Invalid::new(
                "tags",
                format!("tag {tag:?} has a control character"),
                TAGS_RULE,
            ));
        }
    }
    Ok(())
}

pub fn check_consent_level(field: &str, level: i64) -> Result<u32, Invalid> {
    if (0..=CONSENT_LEVEL_MAX).contains(&level) {
        Ok(level as u32)
    } else {
        Err(Invalid::new(
            field,
            format!("{level} is out of range"),
            CONSENT_LEVELS_RULE,
        ))
    }
}

/// Checks the levels and returns them deduplicated and sorted, as the server stores them.
pub fn check_consent_levels(levels: &[i64]) -> Result<Vec<u32>, Invalid> {
    if levels.is_empty() {
        return Err(Invalid::new(
            "consentLevels",
            "is empty",
            CONSENT_LEVELS_RULE,
        ));
    }
    let mut out = levels
        .iter()
        .map(|l| check_consent_level("consentLevels", *l))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Parses a comma- or space-separated list of levels, as typed into a form.
pub fn parse_consent_levels(text: &str) -> Result<Vec<u32>, Invalid> {
    let levels = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>().map_err(|_| {
                Invalid::new(
                    "consentLevels",
                    format!("{s:?} is not a whole number"),
                    CONSENT_LEVELS_RULE,
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_consent_levels(&levels)
}

pub fn check_interval(secs: i64) -> Result<u32, Invalid> {
    if secs < INTERVAL_MIN {
        Err(Invalid::new(
            "intervalSecs",
            format!("{secs} is below {INTERVAL_MIN}"),
            INTERVAL_RULE,
        ))
    } else if secs > INTERVAL_MAX {
        Err(Invalid::new(
            "intervalSecs",
            format!("{secs} is above {INTERVAL_MAX}"),
            INTERVAL_RULE,
        ))
    } else {
        Ok(secs as u32)
    }
}

pub fn check_bucket_name(value: &str) -> Result<(), Invalid> {
    let fail = |problem: String| Err(Invalid::new("bucketName", problem, BUCKET_RULE));
    let len = value.chars().count();
    if value.contains("://") {
        return fail(format!("{value:?} has a scheme"));
    }
    if !(BUCKET_MIN..=BUCKET_MAX).contains(&len) {
        return fail(format!("{value:?} is {len} characters long"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return fail(format!("{value:?} contains {c:?}"));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(value.chars().next()) || !edge_ok(value.chars().last()) {
        return fail(format!("{value:?} starts or ends with '.' or '-'"));
    }
    Ok(())
}

pub fn check_path_prefix(value: Option<&str>) -> Result<(), Invalid> {
    let Some(p) = value else { return Ok(()) };
    let fail = |problem: String| Err(Invalid::new("pathPrefix", problem, PATH_PREFIX_RULE));
    if p.chars().count() > PATH_PREFIX_MAX {
        return fail(format!("is {} characters long", p.chars().count()));
    }
    if p.starts_with('/') {
        return fail(format!("{p:?} starts with '/'"));
    }
    if p.split('/').any(|seg| seg == ".." || seg == ".") {
        return fail(format!("{p:?} has a '.' or '..' segment"));
    }
    if p.split('/').any(str::is_empty) && !p.is_empty() {
        return fail(format!(
            "{p:?} has an empty segment ('//' or a trailing '/')"
        ));
    }
    if !p.chars().all(is_printable) || p.contains('\\') {
        return fail(format!("{p:?} has a control character or backslash"));
    }
    Ok(())
}

pub fn check_consent_level_name(value: &str) -> Result<(), Invalid> {
    let len = value.chars().count();
    if len == 0
        || len > CONSENT_NAME_MAX
        || !value.chars().all(is_printable)
        || value.trim().is_empty()
    {
        return Err(Invalid::new(
            "name",
            format!("{value:?} is not 1-64 printable characters"),
            CONSENT_NAME_RULE,
        ));
    }
    Ok(())
}

pub fn check_email(value: &str) -> Result<(), Invalid> {
    let fail = |problem: String| Err(Invalid::new("email", problem, EMAIL_RULE));
    let len = value.chars().count();
    if len > EMAIL_MAX {
        return fail(format!("is {len} characters long"));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return fail(format!("{value:?} has no '@'"));
    };
    if domain.is_empty()
        || domain.contains('@')
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return fail(format!("{value:?} is not an e-mail address"));
    }
    if !local.chars().any(|c| c.is_ascii_alphabetic()) {
        return fail(format!("{value:?} has no letter before the '@'"));
    }
    Ok(())
}

pub fn check_password(value: &str) -> Result<(), Invalid> {
    let len = value.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&len) {
        // Never echo the password itself.
        return Err(Invalid::new(
            "password",
            format!("is {len} characters long"),
            PASSWORD_RULE,
        ));
    }
    Ok(())
}

/// Where a credentials document does not fit, without quoting any of its values (serde's
/// own message for a wrongly typed field would show the value — possibly a secret).
fn shape_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = e.inner().to_string();
    if inner.starts_with("missing field") {
        let at = e.path().to_string();
        let inner = inner.split(" at line").next().unwrap_or(&inner);
        if at == "." {
            format!("has a {inner}")
        } else {
            format!("{at}: {inner}")
        }
    } else {
        format!("{} has the wrong type or shape", e.path())
    }
}

/// Checks a sink's credentials document (sent as a string). For S3 it is what
/// `aws iam create-access-key` prints, optionally with `EndpointUrl`; for GCLOUD a
/// service-account JSON object.
pub fn check_sink_credentials(sink_type: SinkType, text: &str) -> Result<(), Invalid> {
    const S3_RULE: &str = "S3 credentials are the JSON `aws iam create-access-key` prints: \
         {\"AccessKey\": {\"AccessKeyId\": ..., \"SecretAccessKey\": ...}}, optionally with \
         \"EndpointUrl\": \"http://host:port\"";
    const GCLOUD_RULE: &str = "GCLOUD credentials are a Google service-account JSON object";
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Invalid::new(
            "credentials",
            format!("is not JSON ({e})"),
            match sink_type {
                SinkType::S3 => S3_RULE,
                SinkType::Gcloud => GCLOUD_RULE,
            },
        )
    })?;
    match sink_type {
        SinkType::S3 => {
            let creds: S3Credentials = serde_path_to_error::deserialize(value)
                .map_err(|e| Invalid::new("credentials", shape_problem(&e), S3_RULE))?;
            if creds.access_key.access_key_id.is_empty()
                || creds.access_key.secret_access_key.is_empty()
            {
                return Err(Invalid::new(
                    "credentials",
                    "has an empty AccessKeyId or SecretAccessKey",
                    S3_RULE,
                ));
            }
            if let Some(url) = &creds.endpoint_url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(Invalid::new(
                    "credentials",
                    format!("EndpointUrl {url:?} is not http(s)"),
                    S3_RULE,
                ));
            }
            Ok(())
        }
        SinkType::Gcloud if value.is_object() => Ok(()),
        SinkType::Gcloud => Err(Invalid::new(
            "credentials",
            "is not a JSON object",
            GCLOUD_RULE,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for ok in ["bart", "level0-1", "a", "s3-bart", &"a".repeat(63)] {
            assert!(check_name("name", ok).is_ok(), "{ok}");
        }
        for bad in ["", "Bart", "-a", "a-", "a_b", "a b", &"a".repeat(64), "é"] {
            let err = check_name("name", bad).unwrap_err();
            assert_eq!(err.field, "name");
            assert!(err.to_string().contains("1-63"), "{err}");
        }
    }

    #[test]
    fn name_message_names_field_value_and_rule() {
        let msg = check_name("sinkName", "S3_bart").unwrap_err().to_string();
        assert!(
            msg.starts_with("sinkName: \"S3_bart\" contains 'S'"),
            "{msg}"
        );
        assert!(msg.contains(NAME_RULE), "{msg}");
    }

    #[test]
    fn consent_levels_are_deduplicated_sorted_and_bounded() {
        assert_eq!(check_consent_levels(&[2, 0, 2, 1]).unwrap(), vec![0, 1, 2]);
        assert!(check_consent_levels(&[]).is_err());
        assert!(check_consent_levels(&[-1]).is_err());
        assert!(check_consent_levels(&[4096]).is_err());
        assert_eq!(check_consent_levels(&[4095]).unwrap(), vec![4095]);
        assert_eq!(parse_consent_levels("1, 0 3").unwrap(), vec![0, 1, 3]);
        assert!(
            parse_consent_levels("1,x")
                .unwrap_err()
                .problem
                .contains("\"x\"")
        );
    }

    #[test]
    fn interval_bounds() {
        assert!(
            check_interval(29)
                .unwrap_err()
                .to_string()
                .contains("29 is below 30")
        );
        assert_eq!(check_interval(30).unwrap(), 30);
        assert_eq!(check_interval(3600).unwrap(), 3600);
        assert!(check_interval(3601).is_err());
    }

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("bvandeenen-streammachine-bucket").is_ok());
        assert!(check_bucket_name("my.bucket.1").is_ok());
        for bad in ["ab", "s3://bucket", "Bucket", "-abc", "abc.", "a_b_c"] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_and_description() {
        assert!(check_tags(&["a".into(), "b c".into()]).is_ok());
        assert!(check_tags(&vec!["t".to_string(); 21]).is_err());
        assert!(check_tags(&["".into()]).is_err());
        assert!(check_tags(&["x".repeat(65)]).is_err());
        assert!(check_description(Some(&"x".repeat(1025))).is_err());
        assert!(check_description(Some(&"x".repeat(1024))).is_ok());
    }

    #[test]
    fn path_prefix() {
        assert!(check_path_prefix(Some("level01/docs")).is_ok());
        assert!(check_path_prefix(None).is_ok());
        assert!(check_path_prefix(Some("/abs")).is_err());
        assert!(check_path_prefix(Some("a/../b")).is_err());
        for bad in ["a//b", "./x", "a/./b", "a/"] {
            assert!(check_path_prefix(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_and_password() {
        assert!(check_email("strm-bart@example.com").is_ok());
        assert!(check_email("no-at-sign").is_err());
        assert!(check_email("123@example.com").is_err());
        assert!(
            check_password("short")
                .unwrap_err()
                .to_string()
                .contains("5 characters")
        );
        assert!(
            !check_password("hunter2")
                .unwrap_err()
                .to_string()
                .contains("hunter2")
        );
        assert!(check_password("long enough").is_ok());
    }

    #[test]
    fn sink_credentials() {
        let good = r#"{"AccessKey": {"UserName": "u", "AccessKeyId": "AKIA", "Status": "Active",
            "SecretAccessKey": "s", "CreateDate": "2021-01-01T00:00:00Z"}}"#;
        assert!(check_sink_credentials(SinkType::S3, good).is_ok());
        let err = check_sink_credentials(SinkType::S3, r#"{"AccessKey": {"AccessKeyId": "A"}}"#)
            .unwrap_err();
        assert!(err.problem.contains("SecretAccessKey"), "{err}");
        let err = check_sink_credentials(
            SinkType::S3,
            r#"{"AccessKey": {"AccessKeyId": "A", "SecretAccessKey": ["TOPSECRET"]}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("AccessKey.SecretAccessKey") && !err.contains("TOPSECRET"),
            "{err}"
        );
        let err = check_sink_credentials(SinkType::S3, r#"{"AccessKey": "TOPSECRET"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("AccessKey has the wrong type") && !err.contains("TOPSECRET"),
            "{err}"
        );
        assert!(
            check_sink_credentials(SinkType::S3, "not json")
                .unwrap_err()
                .problem
                .contains("not JSON")
        );
        assert!(check_sink_credentials(SinkType::Gcloud, "{}").is_ok());
        assert!(check_sink_credentials(SinkType::Gcloud, "[]").is_err());
    }
}

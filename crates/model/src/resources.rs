use serde::{Deserialize, Serialize};

use super::rules::{self, Invalid};

/// An optional string of a request body: absent, or a string — never `null`, which the
/// contract does not allow (leave the field out instead).
fn string_if_present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("is null; it is a string, or left out for none"))
}

/// A stream's or output's data-plane identity. The secret is present only in the answer
/// to a create (the one time the API shows it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

debug_showing!(Credentials { client_id; redacted client_secret });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stream {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub credentials: Credentials,
}

/// `PUT /v1/streams`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamCreate {
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_if_present"
    )]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl StreamCreate {
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_name("name", &self.name)?;
        rules::check_description(self.description.as_deref())?;
        rules::check_tags(&self.tags)
    }
}

wire_enum! {
    /// How an output reads its consent levels (`data-plane.md`).
    pub enum ConsentLevelType: "consentLevelType", "a consent-level type", "it is CUMULATIVE or GRANULAR" {
        #[default]
        Cumulative,
        Granular,
    }
}

impl ConsentLevelType {
    /// Whether an output of this type and these consent `levels` sees a personal field
    /// of `field_level` decrypted (`data-plane.md`): CUMULATIVE up to its highest level,
    /// GRANULAR exactly its levels. The one definition the server applies and the
    /// console's inspector explains.
    pub fn decrypts(self, levels: &[u32], field_level: u32) -> bool {
        match self {
            ConsentLevelType::Cumulative => levels.iter().max().is_some_and(|&m| field_level <= m),
            ConsentLevelType::Granular => levels.contains(&field_level),
        }
    }
}

/// A decrypted view of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub linked_stream: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub credentials: Credentials,
    pub consent_level_type: ConsentLevelType,
    #[serde(default)]
    pub consent_levels: Vec<u32>,
    pub decrypter_name: String,
}

/// `PUT /v1/streams/{stream}/outputs`. Levels are signed here so that a negative level
/// gets the rule's message rather than a parser's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputCreate {
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_if_present"
    )]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub consent_level_type: ConsentLevelType,
    #[serde(default)]
    pub consent_levels: Vec<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_if_present"
    )]
    pub decrypter_name: Option<String>,
}

pub const DEFAULT_DECRYPTER: &str = "default";

impl OutputCreate {
    /// Checks every rule and returns the levels as the server stores them: deduplicated
    /// and sorted.
    pub fn validate(&self) -> Result<Vec<u32>, Invalid> {
        rules::check_name("name", &self.name)?;
        rules::check_description(self.description.as_deref())?;
        rules::check_tags(&self.tags)?;
        if let Some(d) = &self.decrypter_name {
            rules::check_name("decrypterName", d)?;
        }
        rules::check_consent_levels(&self.consent_levels)
    }
}

wire_enum! {
    /// Where a sink's bucket lives.
    pub enum SinkType: "sinkType", "a sink type", "it is S3 or GCLOUD" {
        #[default]
        S3,
        Gcloud,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sink {
    pub sink_type: SinkType,
    pub sink_name: String,
    pub bucket_name: String,
}

/// `PUT /v1/sinks`. `credentials` is a JSON document sent as a string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SinkCreate {
    pub sink_type: SinkType,
    pub sink_name: String,
    pub bucket_name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_if_present"
    )]
    pub credentials: Option<String>,
}

debug_showing!(SinkCreate { sink_type, sink_name, bucket_name; redacted credentials });

impl SinkCreate {
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_name("sinkName", &self.sink_name)?;
        rules::check_bucket_name(&self.bucket_name)?;
        if let Some(c) = &self.credentials {
            rules::check_sink_credentials(self.sink_type, c)?;
        }
        Ok(())
    }
}

/// The S3 credentials document `aws iam create-access-key` prints, plus the local
/// extension `EndpointUrl` for S3-compatible stores.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Credentials {
    #[serde(rename = "AccessKey")]
    pub access_key: S3AccessKey,
    #[serde(
        rename = "EndpointUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub endpoint_url: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3AccessKey {
    #[serde(rename = "UserName", default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(rename = "AccessKeyId")]
    pub access_key_id: String,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "SecretAccessKey")]
    pub secret_access_key: String,
    #[serde(
        rename = "CreateDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub create_date: Option<String>,
}

debug_showing!(S3Credentials {
    access_key_id: access_key.access_key_id,
    endpoint_url,
});

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExporterType {
    #[default]
    Batch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exporter {
    pub name: String,
    pub linked_stream: String,
    pub sink_name: String,
    pub sink_type: SinkType,
    pub interval_secs: u32,
    #[serde(rename = "type")]
    pub exporter_type: ExporterType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Shown only for key exporters, so event exporters keep the seed's exact shape.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub export_keys: bool,
}

/// `PUT /v1/exporters/{stream}`. The interval is signed here so that `-5` gets the
/// rule's message rather than a parser's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExporterCreate {
    pub name: String,
    pub sink_name: String,
    pub sink_type: SinkType,
    pub interval_secs: i64,
    #[serde(rename = "type", default)]
    pub exporter_type: ExporterType,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_if_present"
    )]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub export_keys: bool,
}

impl ExporterCreate {
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_name("name", &self.name)?;
        rules::check_name("sinkName", &self.sink_name)?;
        rules::check_interval(self.interval_secs)?;
        rules::check_path_prefix(self.path_prefix.as_deref())
    }
}

/// A descriptive name for a consent level (`GET /v1/consent-levels`). Signed id so that
/// a negative one gets the rule's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentLevel {
    pub id: i64,
    pub name: String,
}

impl ConsentLevel {
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_consent_level("id", self.id)?;
        rules::check_consent_level_name(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stream_list_shape_omits_secret_and_description() {
        let s = Stream {
            name: "bart".into(),
            description: None,
            tags: vec![],
            credentials: Credentials {
                client_id: "abc".into(),
                client_secret: None,
            },
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"name": "bart", "tags": [], "credentials": {"clientId": "abc"}})
        );
    }

    #[test]
    fn output_has_the_seed_shape() {
        let o = Output {
            linked_stream: "bart".into(),
            name: "level0-1".into(),
            description: None,
            tags: vec![],
            credentials: Credentials {
                client_id: "w".into(),
                client_secret: Some("8I".into()),
            },
            consent_level_type: ConsentLevelType::Granular,
            consent_levels: vec![0, 1],
            decrypter_name: "default".into(),
        };
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            json!({"linkedStream": "bart", "name": "level0-1", "tags": [],
                "credentials": {"clientId": "w", "clientSecret": "8I"},
                "consentLevelType": "GRANULAR", "consentLevels": [0, 1], "decrypterName": "default"})
        );
    }

    #[test]
    fn exporter_has_the_seed_shape() {
        let e = Exporter {
            name: "s3".into(),
            linked_stream: "level0-1".into(),
            sink_name: "s3-bart".into(),
            sink_type: SinkType::S3,
            interval_secs: 30,
            exporter_type: ExporterType::Batch,
            path_prefix: Some("level01".into()),
            export_keys: false,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"name": "s3", "linkedStream": "level0-1", "sinkName": "s3-bart",
                "sinkType": "S3", "intervalSecs": 30, "type": "BATCH", "pathPrefix": "level01"})
        );
    }

    #[test]
    fn output_create_defaults_to_cumulative() {
        let o: OutputCreate =
            serde_json::from_value(json!({"name": "x", "consentLevels": [2]})).unwrap();
        assert_eq!(o.consent_level_type, ConsentLevelType::Cumulative);
        assert_eq!(o.tags, Vec::<String>::new());
    }

    #[test]
    fn sink_create_debug_hides_credentials() {
        let s = SinkCreate {
            sink_type: SinkType::S3,
            sink_name: "a".into(),
            bucket_name: "bbb".into(),
            credentials: Some("TOPSECRET".into()),
        };
        assert!(!format!("{s:?}").contains("TOPSECRET"));
    }

    #[test]
    fn enum_strings_are_their_wire_names() {
        for t in ConsentLevelType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(t.to_string(), t.as_str());
        }
        for t in SinkType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(SinkType::Gcloud.as_str(), "GCLOUD");
        assert_eq!(ConsentLevelType::Cumulative.as_str(), "CUMULATIVE");
    }

    #[test]
    fn enums_parse_case_insensitively_and_name_the_rule_otherwise() {
        assert_eq!(
            "granular".parse::<ConsentLevelType>().unwrap(),
            ConsentLevelType::Granular
        );
        assert_eq!("gcloud".parse::<SinkType>().unwrap(), SinkType::Gcloud);
        let err = "S4".parse::<SinkType>().unwrap_err().to_string();
        assert!(
            err.contains("sinkType") && err.contains("S3 or GCLOUD"),
            "{err}"
        );
    }
}

//! One constructor per form and the one function that turns a form into a request,
//! checking each field with the shared rules (`model::rules`) so that the message
//! under a field is the one the CLI and the server give.

use std::path::Path;

use super::{Field, Form, FormKind};
use crate::protocol::Request;
use strm_client::ClientError;
use strm_client::sink_credentials::read_sink_credentials;
use strm_model::rules::{self, Invalid};
use strm_model::{
    ConsentLevel, ConsentLevelType, ExporterCreate, ExporterType, OutputCreate, SinkCreate,
    SinkType, StreamCreate,
};

/// What a form offers to pick from, captured when it opens.
#[derive(Debug, Clone, Default)]
pub struct FormContext {
    /// Exporter targets: streams and outputs.
    pub sources: Vec<String>,
    /// Sinks as (name, type), in the order of the sink choice.
    pub sinks: Vec<(String, SinkType)>,
}

const NONE_YET: &str = "(none yet)";

fn choice_or_none(values: Vec<String>) -> Vec<String> {
    if values.is_empty() {
        vec![NONE_YET.to_string()]
    } else {
        values
    }
}

pub fn stream_form() -> Form {
    Form::new(
        FormKind::Stream,
        vec![
            Field::text("name", "lower-case letters, digits, '-'", ""),
            Field::text("description", "optional", ""),
            Field::text("tags", "comma-separated, optional", ""),
        ],
        FormContext::default(),
    )
}

pub fn output_form(streams: Vec<String>, preselect: Option<&str>) -> Form {
    let index = preselect
        .and_then(|p| streams.iter().position(|s| s == p))
        .unwrap_or(0);
    Form::new(
        FormKind::Output,
        vec![
            Field::choice("stream", "←/→ to pick", choice_or_none(streams), index),
            Field::text("name", "shares the namespace of streams", ""),
            Field::choice(
                "consent type",
                "←/→: CUMULATIVE uses the highest level",
                ConsentLevelType::ALL
                    .iter()
                    .map(|t| t.to_string())
                    .collect(),
                0,
            ),
            Field::text("consent levels", "e.g. 0,1,2", ""),
            Field::text("description", "optional", ""),
            Field::text("tags", "comma-separated, optional", ""),
        ],
        FormContext::default(),
    )
}

pub fn sink_form() -> Form {
    Form::new(
        FormKind::Sink,
        vec![
            Field::choice(
                "type",
                "←/→ to pick",
                SinkType::ALL.iter().map(|t| t.to_string()).collect(),
                0,
            ),
            Field::text("name", "lower-case letters, digits, '-'", ""),
            Field::text("bucket", "without s3:// or gs://", ""),
            Field::text("credentials file", "path to the JSON, or paste below", ""),
            Field::text("credentials JSON", "paste the JSON here", ""),
        ],
        FormContext::default(),
    )
}

pub fn exporter_form(
    sources: Vec<String>,
    sinks: Vec<(String, SinkType)>,
    preselect: Option<&str>,
) -> Form {
    let index = preselect
        .and_then(|p| sources.iter().position(|s| s == p))
        .unwrap_or(0);
    let sink_labels = sinks.iter().map(|(n, t)| format!("{n} · {t}")).collect();
    let context = FormContext {
        sources: sources.clone(),
        sinks,
    };
    Form::new(
        FormKind::Exporter,
        vec![
            Field::choice(
                "stream or output",
                "←/→ to pick",
                choice_or_none(sources),
                index,
            ),
            Field::text("name", "lower-case letters, digits, '-'", ""),
            Field::choice(
                "sink",
                "←/→; the type follows the sink",
                choice_or_none(sink_labels),
                0,
            ),
            Field::suggested("interval (s)", "30 to 3600", "60"),
            Field::text("path prefix", "optional", ""),
            Field::choice(
                "export keys",
                "yes exports encryption keys",
                vec!["no".into(), "yes".into()],
                0,
            ),
        ],
        context,
    )
}

pub fn consent_level_form(next_id: i64) -> Form {
    Form::new(
        FormKind::ConsentLevel,
        vec![
            Field::text(
                "id",
                "0 to 4095; an existing id is renamed",
                &next_id.to_string(),
            ),
            Field::text("name", "e.g. analytics", ""),
        ],
        FormContext::default(),
    )
}

pub fn login_form(email: &str) -> Form {
    let mut form = Form::new(
        FormKind::Login,
        vec![
            Field::text("email", "", email),
            Field::secret("password", "hidden while typed"),
        ],
        FormContext::default(),
    );
    if !email.is_empty() {
        form.focus = 1;
    }
    form
}

fn tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn whole_number(field: &str, text: &str, rule: &str) -> Result<i64, Invalid> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Invalid::new(field, format!("{text:?} is not a whole number"), rule))
}

fn must_pick(field: &str, value: &str, what: &str) -> Result<(), Invalid> {
    if value == NONE_YET || value.is_empty() {
        Err(Invalid::new(
            field,
            "nothing to pick",
            format!("create {what} first"),
        ))
    } else {
        Ok(())
    }
}

/// The shared reader, with an unreadable file shown like any other field problem.
fn read_credentials_for_form(path: &str, sink_type: SinkType) -> Result<String, Invalid> {
    read_sink_credentials(Path::new(path), sink_type).map_err(|e| match e {
        ClientError::Invalid(invalid) => invalid,
        other => Invalid::new(
            "credentials file",
            other.to_string(),
            "give the path of a readable JSON file",
        ),
    })
}

fn msg(r: Result<impl Sized, Invalid>) -> Option<String> {
    r.err().map(|e| e.to_string())
}

/// Checks every field; answers the per-field messages and, when all are fine, the
/// request to send.
pub fn build(form: &Form) -> (Vec<Option<String>>, Option<Request>) {
    let f = |label: &str| form.field(label);
    let (errors, request): (Vec<Option<String>>, Option<Request>) = match form.kind {
        FormKind::Stream => {
            let req = StreamCreate {
                name: f("name").trim().to_string(),
                description: optional(&f("description")),
                tags: tags(&f("tags")),
            };
            let errors = vec![
                msg(rules::check_name("name", &req.name)),
                msg(rules::check_description(req.description.as_deref())),
                msg(rules::check_tags(&req.tags)),
            ];
            let ok = req.validate().is_ok();
            (errors, ok.then_some(Request::CreateStream(req)))
        }
        FormKind::Output => {
            let stream = f("stream");
            let levels = rules::parse_consent_levels(&f("consent levels"));
            let consent_type = f("consent type").parse::<ConsentLevelType>();
            let name = f("name").trim().to_string();
            let description = optional(&f("description"));
            let tag_list = tags(&f("tags"));
            let errors = vec![
                msg(must_pick("stream", &stream, "a stream")),
                msg(rules::check_name("name", &name)),
                msg(consent_type.clone()),
                msg(levels.clone()),
                msg(rules::check_description(description.as_deref())),
                msg(rules::check_tags(&tag_list)),
            ];
            let request = match (levels, consent_type) {
                (Ok(levels), Ok(consent_level_type)) => {
                    let req = OutputCreate {
                        name,
                        description,
                        tags: tag_list,
                        consent_level_type,
                        consent_levels: levels.into_iter().map(i64::from).collect(),
                        decrypter_name: None,
                    };
                    (req.validate().is_ok() && errors[0].is_none())
                        .then_some(Request::CreateOutput(stream, req))
                }
                _ => None,
            };
            (errors, request)
        }
        FormKind::Sink => {
            let sink_type = f("type").parse::<SinkType>().unwrap_or(SinkType::S3);
            let file = f("credentials file").trim().to_string();
            let pasted = f("credentials JSON").trim().to_string();
            let from_file = (!file.is_empty()).then(|| read_credentials_for_form(&file, sink_type));
            let from_paste = if pasted.is_empty() {
                None
            } else if !file.is_empty() {
                Some(Err(Invalid::new(
                    "credentials JSON",
                    "is given as well as a file",
                    "give the credentials either as a file or pasted, not both",
                )))
            } else {
                Some(rules::check_sink_credentials(sink_type, &pasted).map(|_| pasted.clone()))
            };
            let req = SinkCreate {
                sink_type,
                sink_name: f("name").trim().to_string(),
                bucket_name: f("bucket").trim().to_string(),
                credentials: None,
            };
            let errors = vec![
                None,
                msg(rules::check_name("sinkName", &req.sink_name)),
                msg(rules::check_bucket_name(&req.bucket_name)),
                from_file.clone().and_then(msg),
                from_paste.clone().and_then(msg),
            ];
            let credentials = match (from_file, from_paste) {
                (Some(Ok(c)), None) | (None, Some(Ok(c))) => Some(Some(c)),
                (None, None) => Some(None),
                _ => None,
            };
            let request = credentials.and_then(|credentials| {
                let req = SinkCreate { credentials, ..req };
                req.validate().is_ok().then_some(Request::CreateSink(req))
            });
            (errors, request)
        }
        FormKind::Exporter => {
            let source = f("stream or output");
            let sink_index = match &form.fields[2].input {
                super::Input::Choice { index, .. } => *index,
                _ => 0,
            };
            let sink = form.context.sinks.get(sink_index).cloned();
            let interval = whole_number("intervalSecs", &f("interval (s)"), rules::INTERVAL_RULE)
                .and_then(|n| rules::check_interval(n).map(i64::from));
            let prefix = optional(&f("path prefix"));
            let name = f("name").trim().to_string();
            let errors = vec![
                msg(must_pick("stream", &source, "a stream")),
                msg(rules::check_name("name", &name)),
                msg(must_pick(
                    "sinkName",
                    sink.as_ref().map_or("", |s| s.0.as_str()),
                    "a sink",
                )),
                msg(interval.clone()),
                msg(rules::check_path_prefix(prefix.as_deref())),
                None,
            ];
            let request = match (sink, interval) {
                (Some((sink_name, sink_type)), Ok(interval_secs))
                    if errors.iter().all(Option::is_none) =>
                {
                    let req = ExporterCreate {
                        name,
                        sink_name,
                        sink_type,
                        interval_secs,
                        exporter_type: ExporterType::Batch,
                        path_prefix: prefix,
                        export_keys: f("export keys") == "yes",
                    };
                    req.validate()
                        .is_ok()
                        .then_some(Request::CreateExporter(source, req))
                }
                _ => None,
            };
            (errors, request)
        }
        FormKind::ConsentLevel => {
            let id = whole_number("id", &f("id"), rules::CONSENT_LEVELS_RULE)
                .and_then(|id| rules::check_consent_level("id", id).map(i64::from));
            let name = f("name").trim().to_string();
            let errors = vec![msg(id.clone()), msg(rules::check_consent_level_name(&name))];
            let request = id.ok().and_then(|id| {
                let level = ConsentLevel { id, name };
                level
                    .validate()
                    .is_ok()
                    .then_some(Request::CreateConsentLevel(level))
            });
            (errors, request)
        }
        FormKind::Login => {
            let email = f("email").trim().to_string();
            let password = f("password");
            let errors = vec![
                msg(rules::check_email(&email)),
                msg(rules::check_password(&password)),
            ];
            let ok = errors.iter().all(Option::is_none);
            (
                errors,
                ok.then_some(Request::Login {
                    email,
                    password: crate::protocol::Secret(password),
                }),
            )
        }
    };
    (errors, request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_form_checks_the_shared_name_rule() {
        let mut form = stream_form();
        assert!(form.validate().is_none());
        form.set_field("name", "Bad_Name");
        let err = form.fields[0].error.clone().unwrap();
        assert!(
            err.contains("name") && err.contains(rules::NAME_RULE),
            "{err}"
        );
        form.set_field("name", "good-name");
        form.set_field("tags", "a, b");
        assert_eq!(
            form.validate(),
            Some(Request::CreateStream(StreamCreate {
                name: "good-name".into(),
                description: None,
                tags: vec!["a".into(), "b".into()],
            }))
        );
    }

    #[test]
    fn exporter_interval_outside_30_to_3600_is_refused() {
        let mut form = exporter_form(
            vec!["bart".into()],
            vec![("s3-bart".into(), SinkType::S3)],
            None,
        );
        form.set_field("name", "s3");
        form.set_field("interval (s)", "10");
        assert!(form.validate().is_none());
        assert!(
            form.fields[3]
                .error
                .as_ref()
                .unwrap()
                .contains("30 to 3600")
        );
        form.set_field("interval (s)", "30");
        match form.validate() {
            Some(Request::CreateExporter(stream, req)) => {
                assert_eq!(stream, "bart");
                assert_eq!(req.sink_type, SinkType::S3);
                assert_eq!(req.interval_secs, 30);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sink_credentials_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds.json");
        std::fs::write(&path, "{\"AccessKey\": {}}").unwrap();
        let mut form = sink_form();
        form.set_field("name", "s3-bart");
        form.set_field("bucket", "my-bucket");
        form.set_field("credentials file", path.to_str().unwrap());
        assert!(form.validate().is_none());
        let err = form.fields[3].error.clone().unwrap();
        assert!(
            err.contains("creds.json") && err.contains("AccessKeyId"),
            "{err}"
        );
        std::fs::write(
            &path,
            "{\"AccessKey\": {\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}}",
        )
        .unwrap();
        match form.validate() {
            Some(Request::CreateSink(req)) => {
                assert!(req.credentials.unwrap().contains("AccessKeyId"))
            }
            other => panic!("{other:?}"),
        }
        form.set_field("credentials file", "/nonexistent/x.json");
        assert!(
            form.fields[3]
                .error
                .clone()
                .unwrap()
                .contains("/nonexistent/x.json")
        );
    }

    #[test]
    fn output_levels_are_parsed_with_the_shared_rule() {
        let mut form = output_form(vec!["bart".into()], Some("bart"));
        form.set_field("name", "level0-1");
        form.set_field("consent levels", "1, x");
        assert!(form.validate().is_none());
        assert!(
            form.fields[3]
                .error
                .clone()
                .unwrap()
                .contains("consentLevels")
        );
        form.set_field("consent levels", "1,0,1");
        match form.validate() {
            Some(Request::CreateOutput(stream, req)) => {
                assert_eq!(stream, "bart");
                assert_eq!(req.consent_levels, vec![0, 1]);
            }
            other => panic!("{other:?}"),
        }
    }
}

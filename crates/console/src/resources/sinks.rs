//! Sinks: the buckets exporters write to, with their credentials.

use std::path::Path;

use super::{Announce, Kind, Meta, Resources, Row, Tab, col, confirm_one, said};
use crate::app::Confirm;
use crate::forms::check::msg;
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::Request;
use strm_client::ClientError;
use strm_client::sink_credentials::read_sink_credentials;
use strm_model::rules::{self, Invalid};
use strm_model::{Sink, SinkCreate, SinkType};

pub struct Sinks;

static META: Meta = Meta {
    title: "Sinks",
    short_title: "Sinks",
    commands: &["sinks"],
    columns: &[col("NAME", 3), col("TYPE", 1), col("BUCKET", 4)],
    scoped: false,
    rows: |d| &d.sinks,
};

impl Row for Sink {
    fn cells(&self, _data: &Resources) -> Vec<String> {
        vec![
            self.sink_name.clone(),
            self.sink_type.to_string(),
            self.bucket_name.clone(),
        ]
    }

    fn key(&self) -> String {
        format!("{}/{}", self.sink_type, self.sink_name)
    }
}

impl Kind for Sinks {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn list(&self, _data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(Request::ListSinks)
    }

    fn create_form(&self, _: &Resources, _: Option<&str>, _: Option<&str>) -> Form {
        sink_form()
    }

    /// The name must be typed; exporters that use the sink are named.
    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        let s = &d.sinks[i];
        let users: Vec<String> = d
            .exporters
            .iter()
            .filter(|e| e.sink_name == s.sink_name && e.sink_type == s.sink_type)
            .map(|e| format!("{} (on {})", e.name, e.linked_stream))
            .collect();
        let mut notes = Vec::new();
        if !users.is_empty() {
            notes.push(format!("Used by exporters: {}", users.join(", ")));
            notes.push("The server refuses until they are deleted.".into());
        }
        confirm_one(self, "Delete sink", d, i, notes, Some(s.sink_name.clone()))
    }

    fn describe(&self, data: &Resources, i: usize) -> String {
        let s = &data.sinks[i];
        format!("{} sink {}", s.sink_type, s.sink_name)
    }

    fn delete_request(&self, data: &Resources, i: usize) -> Option<Request> {
        let s = &data.sinks[i];
        Some(Request::DeleteSink {
            name: s.sink_name.clone(),
            sink_type: s.sink_type,
        })
    }

    fn guarded(&self) -> bool {
        true
    }
}

pub fn created(s: &Sink) -> Announce {
    said(format!("Created {} sink {}", s.sink_type, s.sink_name))
}

fn sink_form() -> Form {
    Form::new(
        FormKind::Create(Tab::Sinks),
        SinkForm {
            sink_type: Field::choice(
                "type",
                "←/→ to pick",
                SinkType::ALL.iter().map(|t| t.to_string()).collect(),
                0,
            ),
            name: Field::text("name", "lower-case letters, digits, '-'", ""),
            bucket: Field::text("bucket", "without s3:// or gs://", ""),
            credentials_file: Field::text(
                "credentials file",
                "path to the JSON, or paste below",
                "",
            ),
            credentials_json: Field::text("credentials JSON", "paste the JSON here", ""),
        },
    )
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

struct SinkForm {
    sink_type: Field,
    name: Field,
    bucket: Field,
    credentials_file: Field,
    credentials_json: Field,
}

impl Fields for SinkForm {
    form_fields!(
        "Create sink",
        sink_type,
        name,
        bucket,
        credentials_file,
        credentials_json
    );

    /// The credentials come from a file or pasted, not both.
    fn check(&mut self) -> Option<Request> {
        let sink_type = self
            .sink_type
            .value()
            .parse::<SinkType>()
            .unwrap_or(SinkType::S3);
        let file = self.credentials_file.trimmed();
        let pasted = self.credentials_json.trimmed();
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
            sink_name: self.name.trimmed(),
            bucket_name: self.bucket.trimmed(),
            credentials: None,
        };
        self.sink_type.error = None;
        self.name.error = msg(rules::check_name("sinkName", &req.sink_name));
        self.bucket.error = msg(rules::check_bucket_name(&req.bucket_name));
        self.credentials_file.error = from_file.clone().and_then(msg);
        self.credentials_json.error = from_paste.clone().and_then(msg);
        let credentials = match (from_file, from_paste) {
            (Some(Ok(c)), None) | (None, Some(Ok(c))) => Some(c),
            (None, None) => None,
            _ => return None,
        };
        let req = SinkCreate { credentials, ..req };
        req.validate().is_ok().then_some(Request::CreateSink(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_testkit::Scratch;

    #[test]
    fn sink_credentials_file_errors_name_the_file() {
        let (_dir, path) = Scratch::with_file("creds.json", "{\"AccessKey\": {}}");
        let mut form = sink_form();
        form.set_field("name", "s3-bart");
        form.set_field("bucket", "my-bucket");
        form.set_field("credentials file", path.to_str().unwrap());
        assert!(form.validate().is_none());
        let err = form.error_of(3);
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
        assert!(form.error_of(3).contains("/nonexistent/x.json"));
    }
}

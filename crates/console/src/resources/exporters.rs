//! Exporters: batches of a stream's or an output's events written to a sink.

use super::{Announce, Kind, Meta, Resources, Row, Tab, col, confirm_one, said};
use crate::app::Confirm;
use crate::forms::check::{choice_or_none, msg, must_pick, optional, whole_number};
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::Request;
use strm_model::{Exporter, ExporterCreate, ExporterType, SinkType, rules};

pub struct Exporters;

static META: Meta = Meta {
    title: "Exporters",
    short_title: "Exporters",
    commands: &["exporters"],
    columns: &[
        col("NAME", 3),
        col("STREAM", 3),
        col("SINK", 3),
        col("TYPE", 1),
        col("INTERVAL", 1),
        col("KEYS", 1),
    ],
    scoped: true,
    rows: |d| &d.exporters,
};

impl Row for Exporter {
    fn cells(&self, _data: &Resources) -> Vec<String> {
        vec![
            self.name.clone(),
            self.linked_stream.clone(),
            self.sink_name.clone(),
            self.sink_type.to_string(),
            self.interval_secs.to_string(),
            if self.export_keys { "yes" } else { "no" }.into(),
        ]
    }

    fn key(&self) -> String {
        format!("{}/{}/{}", self.linked_stream, self.name, self.export_keys)
    }
}

impl Kind for Exporters {
    fn meta(&self) -> &'static Meta {
        &META
    }

    /// An exporter may hang off the stream or off one of its outputs.
    fn in_scope(&self, data: &Resources, i: usize, stream: &str) -> bool {
        let linked = &data.exporters[i].linked_stream;
        linked == stream
            || data
                .outputs
                .iter()
                .any(|o| o.linked_stream == stream && &o.name == linked)
    }

    fn list(&self, _data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(Request::ListExporters)
    }

    /// Drilled into a stream: offer it and its outputs only.
    fn create_form(&self, data: &Resources, scope: Option<&str>, preselect: Option<&str>) -> Form {
        let mut sources: Vec<String> = match scope {
            Some(s) => vec![s.to_string()],
            None => data.streams.iter().map(|s| s.name.clone()).collect(),
        };
        sources.extend(
            data.outputs
                .iter()
                .filter(|o| scope.is_none_or(|s| s == o.linked_stream))
                .map(|o| o.name.clone()),
        );
        let sinks = data
            .sinks
            .iter()
            .map(|s| (s.sink_name.clone(), s.sink_type))
            .collect();
        exporter_form(sources, sinks, preselect)
    }

    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        confirm_one(self, "Delete exporter", d, i, Vec::new(), None)
    }

    fn describe(&self, data: &Resources, i: usize) -> String {
        let e = &data.exporters[i];
        format!("exporter {} of {}", e.name, e.linked_stream)
    }

    fn delete_request(&self, data: &Resources, i: usize) -> Option<Request> {
        let e = &data.exporters[i];
        Some(Request::DeleteExporter {
            stream: e.linked_stream.clone(),
            name: e.name.clone(),
            export_keys: e.export_keys,
        })
    }
}

pub fn created(e: &Exporter) -> Announce {
    said(format!(
        "Created exporter {} on {}",
        e.name, e.linked_stream
    ))
}

fn exporter_form(
    sources: Vec<String>,
    sinks: Vec<(String, SinkType)>,
    preselect: Option<&str>,
) -> Form {
    let index = preselect
        .and_then(|p| sources.iter().position(|s| s == p))
        .unwrap_or(0);
    let sink_labels = sinks.iter().map(|(n, t)| format!("{n} · {t}")).collect();
    Form::new(
        FormKind::Create(Tab::Exporters),
        ExporterForm {
            source: Field::choice(
                "stream or output",
                "←/→ to pick",
                choice_or_none(sources),
                index,
            ),
            name: Field::text("name", "lower-case letters, digits, '-'", ""),
            sink: Field::choice(
                "sink",
                "←/→; the type follows the sink",
                choice_or_none(sink_labels),
                0,
            ),
            interval: Field::suggested("interval (s)", "30 to 3600", "60"),
            path_prefix: Field::text("path prefix", "optional", ""),
            export_keys: Field::choice(
                "export keys",
                "yes exports encryption keys",
                vec!["no".into(), "yes".into()],
                0,
            ),
            sinks,
        },
    )
}

struct ExporterForm {
    source: Field,
    name: Field,
    sink: Field,
    interval: Field,
    path_prefix: Field,
    export_keys: Field,
    /// The sinks offered, as (name, type), in the order of the sink choice.
    sinks: Vec<(String, SinkType)>,
}

impl Fields for ExporterForm {
    form_fields!(
        "Create exporter",
        source,
        name,
        sink,
        interval,
        path_prefix,
        export_keys
    );

    fn check(&mut self) -> Option<Request> {
        let source = self.source.value();
        let sink = self.sinks.get(self.sink.choice_index()).cloned();
        let interval = whole_number("intervalSecs", &self.interval.value(), rules::INTERVAL_RULE)
            .and_then(|n| rules::check_interval(n).map(i64::from));
        let prefix = optional(&self.path_prefix.value());
        let name = self.name.trimmed();
        self.source.error = msg(must_pick("stream", &source, "a stream"));
        self.name.error = msg(rules::check_name("name", &name));
        self.sink.error = msg(must_pick(
            "sinkName",
            sink.as_ref().map_or("", |s| s.0.as_str()),
            "a sink",
        ));
        self.interval.error = msg(interval.clone());
        self.path_prefix.error = msg(rules::check_path_prefix(prefix.as_deref()));
        self.export_keys.error = None;
        if self.fields().iter().any(|f| f.error.is_some()) {
            return None;
        }
        let (Some((sink_name, sink_type)), Ok(interval_secs)) = (sink, interval) else {
            return None;
        };
        let req = ExporterCreate {
            name,
            sink_name,
            sink_type,
            interval_secs,
            exporter_type: ExporterType::Batch,
            path_prefix: prefix,
            export_keys: self.export_keys.value() == "yes",
        };
        req.validate()
            .is_ok()
            .then_some(Request::CreateExporter(source, req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(form.error_of(3).contains("30 to 3600"));
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
}

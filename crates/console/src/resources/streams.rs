//! Streams: where events come in. Enter drills into a stream's outputs and exporters.

use super::{Announce, Kind, Meta, Opens, Resources, Row, Tab, col};
use crate::app::{Confirm, ConfirmAction};
use crate::forms::check::{msg, optional, tags};
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::{Request, TailTarget};
use strm_model::{Stream, StreamCreate, rules};

pub struct Streams;

static META: Meta = Meta {
    title: "Streams",
    short_title: "Streams",
    commands: &["streams"],
    columns: &[
        col("NAME", 3),
        col("DESCRIPTION", 4),
        col("TAGS", 2),
        col("CLIENT ID", 4),
        col("EV/S", 1),
        col("LAST", 1),
    ],
    scoped: false,
    rows: |d| &d.streams,
};

impl Row for Stream {
    fn cells(&self, data: &Resources) -> Vec<String> {
        let [rate, last] = data.observed.cells(&self.name);
        vec![
            self.name.clone(),
            self.description.clone().unwrap_or_default(),
            self.tags.join(","),
            self.credentials.client_id.clone(),
            rate,
            last,
        ]
    }

    fn key(&self) -> String {
        self.name.clone()
    }
}

impl Kind for Streams {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn list(&self, _data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(Request::ListStreams)
    }

    fn opens(&self) -> Opens {
        Opens::Drill(Tab::Outputs)
    }

    fn stream_of(&self, data: &Resources, i: usize) -> Option<String> {
        Some(data.streams[i].name.clone())
    }

    fn tail_target(&self, data: &Resources, i: usize) -> Option<TailTarget> {
        let s = &data.streams[i];
        Some(TailTarget {
            name: s.name.clone(),
            client_id: s.credentials.client_id.clone(),
            output_of: None,
        })
    }

    fn create_form(&self, _: &Resources, _: Option<&str>, _: Option<&str>) -> Form {
        Form::new(
            FormKind::Create(Tab::Streams),
            StreamForm {
                name: Field::text("name", "lower-case letters, digits, '-'", ""),
                description: Field::text("description", "optional", ""),
                tags: Field::text("tags", "comma-separated, optional", ""),
            },
        )
    }

    /// A stream's name must be typed: its outputs and exporters go with it.
    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        let name = d.streams[i].name.clone();
        let outputs: Vec<String> = d.outputs_of(&name).iter().map(|o| o.name.clone()).collect();
        let exporters: Vec<String> = (0..d.exporters.len())
            .filter(|&e| d.in_scope(Tab::Exporters, e, &name))
            .map(|e| {
                format!(
                    "{} (on {})",
                    d.exporters[e].name, d.exporters[e].linked_stream
                )
            })
            .collect();
        let mut lines = vec![format!("Delete stream {name}?")];
        let plain = Request::DeleteStream {
            name: name.clone(),
            recursive: false,
        };
        let done = format!("Deleted stream {name}");
        let actions = if outputs.is_empty() && exporters.is_empty() {
            vec![ConfirmAction::new("Delete", plain, done)]
        } else {
            if !outputs.is_empty() {
                lines.push(format!("Outputs: {}", outputs.join(", ")));
            }
            if !exporters.is_empty() {
                lines.push(format!("Exporters: {}", exporters.join(", ")));
            }
            lines.push("They are deleted with it.".into());
            vec![ConfirmAction::new(
                "Delete all",
                Request::DeleteStream {
                    name: name.clone(),
                    recursive: true,
                },
                format!("{done} with its outputs and exporters"),
            )]
        };
        Confirm::new("Delete stream", lines, Some(name), actions)
    }

    fn describe(&self, data: &Resources, i: usize) -> String {
        format!("stream {}", data.streams[i].name)
    }

    fn delete_request(&self, data: &Resources, i: usize) -> Option<Request> {
        Some(Request::DeleteStream {
            name: data.streams[i].name.clone(),
            recursive: true,
        })
    }

    fn guarded(&self) -> bool {
        true
    }

    fn bulk_note(&self) -> Option<&'static str> {
        Some("Their outputs and exporters are deleted with them.")
    }
}

pub fn created(s: &Stream) -> Announce {
    Announce {
        message: format!("Created stream {}", s.name),
        credentials: Some((s.name.clone(), s.credentials.clone())),
    }
}

struct StreamForm {
    name: Field,
    description: Field,
    tags: Field,
}

impl Fields for StreamForm {
    form_fields!("Create stream", name, description, tags);

    fn check(&mut self) -> Option<Request> {
        let req = StreamCreate {
            name: self.name.trimmed(),
            description: optional(&self.description.value()),
            tags: tags(&self.tags.value()),
        };
        self.name.error = msg(rules::check_name("name", &req.name));
        self.description.error = msg(rules::check_description(req.description.as_deref()));
        self.tags.error = msg(rules::check_tags(&req.tags));
        req.validate().is_ok().then_some(Request::CreateStream(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_form_checks_the_shared_name_rule() {
        let mut form = Streams.create_form(&Resources::default(), None, None);
        assert!(form.validate().is_none());
        form.set_field("name", "Bad_Name");
        let err = form.error_of(0);
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
}

//! Outputs: a stream's filtered, decrypted views. Listed per stream by the API; the
//! tab lists the outputs of every stream while there are few streams.

use super::{Announce, Kind, Meta, Opens, Resources, Row, Tab, col, named_levels};
use crate::app::{Confirm, ConfirmAction};
use crate::forms::check::{choice_or_none, msg, must_pick, optional, tags};
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::{Request, TailTarget};
use strm_model::{ConsentLevelType, Output, OutputCreate, rules};

/// Up to this many streams the Outputs tab lists the outputs of all of them.
pub const OUTPUTS_OVERVIEW_MAX: usize = 200;

pub struct Outputs;

static META: Meta = Meta {
    title: "Outputs",
    short_title: "Outputs",
    commands: &["outputs"],
    columns: &[
        col("NAME", 3),
        col("STREAM", 3),
        col("CONSENT", 2),
        col("LEVELS", 2),
        col("CLIENT ID", 4),
        col("EV/S", 1),
        col("LAST", 1),
    ],
    scoped: true,
    rows: |d| &d.outputs,
};

impl Row for Output {
    fn cells(&self, data: &Resources) -> Vec<String> {
        let [rate, last] = data.observed.cells(&self.name);
        vec![
            self.name.clone(),
            self.linked_stream.clone(),
            self.consent_level_type.to_string(),
            named_levels(data, &self.consent_levels),
            self.credentials.client_id.clone(),
            rate,
            last,
        ]
    }

    fn key(&self) -> String {
        format!("{}/{}", self.linked_stream, self.name)
    }
}

impl Kind for Outputs {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn in_scope(&self, data: &Resources, i: usize, stream: &str) -> bool {
        data.outputs[i].linked_stream == stream
    }

    /// The API lists outputs per stream only; with many streams the overview would
    /// cost one request each, so then outputs are listed per drilled-into stream.
    fn list(&self, data: &Resources, scope: Option<&str>) -> Option<Request> {
        match scope {
            Some(stream) => Some(Request::ListOutputs(Some(stream.to_string()))),
            None if data.streams.len() <= OUTPUTS_OVERVIEW_MAX => Some(Request::ListOutputs(None)),
            None => None,
        }
    }

    fn title_note(&self, data: &Resources, scope: Option<&str>) -> Option<String> {
        (scope.is_none() && data.streams.len() > OUTPUTS_OVERVIEW_MAX)
            .then(|| " of opened streams (enter on a stream lists its outputs)".into())
    }

    /// An output has nothing to open but its credentials.
    fn opens(&self) -> Opens {
        Opens::Credentials
    }

    fn stream_of(&self, data: &Resources, i: usize) -> Option<String> {
        Some(data.outputs[i].linked_stream.clone())
    }

    fn tail_target(&self, data: &Resources, i: usize) -> Option<TailTarget> {
        let o = &data.outputs[i];
        Some(TailTarget {
            name: o.name.clone(),
            client_id: o.credentials.client_id.clone(),
            output_of: Some(o.linked_stream.clone()),
        })
    }

    fn create_form(&self, data: &Resources, _: Option<&str>, preselect: Option<&str>) -> Form {
        let streams: Vec<String> = data.streams.iter().map(|s| s.name.clone()).collect();
        let named: Vec<u32> = data
            .consent_levels
            .iter()
            .filter_map(|c| u32::try_from(c.id).ok())
            .collect();
        let mut form = output_form(streams, preselect);
        if !named.is_empty() {
            form.set_help(
                "consent levels",
                format!("e.g. 0,1 — named: {}", named_levels(data, &named)),
            );
        }
        form
    }

    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        let o = &d.outputs[i];
        let exporters: Vec<String> = d
            .exporters
            .iter()
            .filter(|e| e.linked_stream == o.name)
            .map(|e| e.name.clone())
            .collect();
        let mut lines = vec![format!(
            "Delete output {} of stream {}?",
            o.name, o.linked_stream
        )];
        let recursive = !exporters.is_empty();
        if recursive {
            lines.push(format!("Exporters: {}", exporters.join(", ")));
            lines.push("They are deleted with it.".into());
        }
        let req = Request::DeleteOutput {
            stream: o.linked_stream.clone(),
            name: o.name.clone(),
            recursive,
        };
        let label = if recursive { "Delete all" } else { "Delete" };
        let mut done = format!("Deleted output {} of {}", o.name, o.linked_stream);
        if recursive {
            done.push_str(" with its exporters");
        }
        Confirm::new(
            "Delete output",
            lines,
            None,
            vec![ConfirmAction::new(label, req, done)],
        )
    }

    fn describe(&self, data: &Resources, i: usize) -> String {
        let o = &data.outputs[i];
        format!("output {} of {}", o.name, o.linked_stream)
    }

    fn delete_request(&self, data: &Resources, i: usize) -> Option<Request> {
        let o = &data.outputs[i];
        Some(Request::DeleteOutput {
            stream: o.linked_stream.clone(),
            name: o.name.clone(),
            recursive: true,
        })
    }

    fn bulk_note(&self) -> Option<&'static str> {
        Some("Their exporters are deleted with them.")
    }
}

/// Takes the outputs of one stream (`Some`) or of all of them.
pub fn store(data: &mut Resources, stream: Option<String>, outputs: Vec<Output>) {
    match stream {
        None => data.outputs = outputs,
        Some(stream) => {
            data.outputs.retain(|o| o.linked_stream != stream);
            data.outputs.extend(outputs);
        }
    }
}

pub fn created(o: &Output) -> Announce {
    Announce {
        message: format!("Created output {} of {}", o.name, o.linked_stream),
        credentials: Some((o.name.clone(), o.credentials.clone())),
    }
}

fn output_form(streams: Vec<String>, preselect: Option<&str>) -> Form {
    let index = preselect
        .and_then(|p| streams.iter().position(|s| s == p))
        .unwrap_or(0);
    Form::new(
        FormKind::Create(Tab::Outputs),
        OutputForm {
            stream: Field::choice("stream", "←/→ to pick", choice_or_none(streams), index),
            name: Field::text("name", "shares the namespace of streams", ""),
            consent_type: Field::choice(
                "consent type",
                "",
                ConsentLevelType::ALL
                    .iter()
                    .map(|t| t.to_string())
                    .collect(),
                0,
            ),
            consent_levels: Field::text("consent levels", "e.g. 0,1,2", ""),
            description: Field::text("description", "optional", ""),
            tags: Field::text("tags", "comma-separated, optional", ""),
        },
    )
}

struct OutputForm {
    stream: Field,
    name: Field,
    consent_type: Field,
    consent_levels: Field,
    description: Field,
    tags: Field,
}

impl Fields for OutputForm {
    form_fields!(
        "Create output",
        stream,
        name,
        consent_type,
        consent_levels,
        description,
        tags
    );

    fn check(&mut self) -> Option<Request> {
        let stream = self.stream.value();
        let levels = rules::parse_consent_levels(&self.consent_levels.value());
        let consent_type = self.consent_type.value().parse::<ConsentLevelType>();
        let name = self.name.trimmed();
        let description = optional(&self.description.value());
        let tag_list = tags(&self.tags.value());
        self.stream.error = msg(must_pick("stream", &stream, "a stream"));
        self.name.error = msg(rules::check_name("name", &name));
        self.consent_type.error = msg(consent_type.clone());
        self.consent_levels.error = msg(levels.clone());
        self.description.error = msg(rules::check_description(description.as_deref()));
        self.tags.error = msg(rules::check_tags(&tag_list));
        // The hint says what the chosen type does.
        self.consent_type.help = match &consent_type {
            Ok(ConsentLevelType::Granular) => {
                "←/→: an event needs every level listed; only their fields are decrypted"
            }
            _ => {
                "←/→: an event needs the highest level listed or more; fields up to it are decrypted"
            }
        }
        .into();
        let (Ok(levels), Ok(consent_level_type)) = (levels, consent_type) else {
            return None;
        };
        let req = OutputCreate {
            name,
            description,
            tags: tag_list,
            consent_level_type,
            consent_levels: levels.into_iter().map(i64::from).collect(),
            decrypter_name: None,
        };
        (req.validate().is_ok() && self.stream.error.is_none())
            .then_some(Request::CreateOutput(stream, req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_levels_are_parsed_with_the_shared_rule() {
        let mut form = output_form(vec!["bart".into()], Some("bart"));
        form.set_field("name", "level0-1");
        form.set_field("consent levels", "1, x");
        assert!(form.validate().is_none());
        assert!(form.error_of(3).contains("consentLevels"));
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

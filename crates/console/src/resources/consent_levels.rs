//! Consent levels: the names of the numbered levels events carry. Creating one with an
//! existing id renames it.

use super::{Announce, Kind, Meta, Resources, Row, Tab, col, said};
use crate::app::{Confirm, ConfirmAction};
use crate::forms::check::{msg, whole_number};
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::Request;
use strm_model::{ConsentLevel, rules};

pub struct ConsentLevels;

static META: Meta = Meta {
    title: "Consent levels",
    short_title: "Consent",
    commands: &["consent-levels", "consent"],
    columns: &[col("ID", 1), col("NAME", 5)],
    scoped: false,
    rows: |d| &d.consent_levels,
};

impl Row for ConsentLevel {
    fn cells(&self, _data: &Resources) -> Vec<String> {
        vec![self.id.to_string(), self.name.clone()]
    }

    fn key(&self) -> String {
        self.id.to_string()
    }
}

impl Kind for ConsentLevels {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn list(&self, _data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(Request::ListConsentLevels)
    }

    fn empty(&self, create: &str) -> String {
        format!("No consent-level names yet — press {create} to name one")
    }

    /// Offers the lowest id without a name; typing replaces it.
    fn create_form(&self, data: &Resources, _: Option<&str>, _: Option<&str>) -> Form {
        let next = (0..)
            .find(|id| !data.consent_levels.iter().any(|c| c.id == *id))
            .unwrap_or(0);
        Form::new(
            FormKind::Create(Tab::ConsentLevels),
            ConsentLevelForm {
                id: Field::suggested(
                    "id",
                    "0 to 4095; an existing id is renamed",
                    &next.to_string(),
                ),
                name: Field::text("name", "e.g. analytics", ""),
            },
        )
    }

    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        let c = &d.consent_levels[i];
        let lines = vec![format!(
            "Delete the name {:?} of consent level {}?",
            c.name, c.id
        )];
        Confirm::new(
            "Delete consent-level name",
            lines,
            None,
            vec![ConfirmAction::new(
                "Delete",
                Request::DeleteConsentLevel(c.id),
                format!("Deleted the name {:?} of consent level {}", c.name, c.id),
            )],
        )
    }

    fn describe(&self, data: &Resources, i: usize) -> String {
        let c = &data.consent_levels[i];
        format!("consent level {} ({})", c.id, c.name)
    }

    fn delete_request(&self, data: &Resources, i: usize) -> Option<Request> {
        Some(Request::DeleteConsentLevel(data.consent_levels[i].id))
    }
}

pub fn created(c: &ConsentLevel) -> Announce {
    said(format!("Consent level {} is named {}", c.id, c.name))
}

struct ConsentLevelForm {
    id: Field,
    name: Field,
}

impl Fields for ConsentLevelForm {
    form_fields!("Name a consent level", id, name);

    fn check(&mut self) -> Option<Request> {
        let id = whole_number("id", &self.id.value(), rules::CONSENT_LEVELS_RULE)
            .and_then(|id| rules::check_consent_level("id", id).map(i64::from));
        let name = self.name.trimmed();
        self.id.error = msg(id.clone());
        self.name.error = msg(rules::check_consent_level_name(&name));
        let level = ConsentLevel { id: id.ok()?, name };
        level
            .validate()
            .is_ok()
            .then_some(Request::CreateConsentLevel(level))
    }
}

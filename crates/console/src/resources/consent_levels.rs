//! Consent levels: the names of the numbered levels events carry. Creating one with an
//! existing id renames it.

use super::{Announce, Column, Kind, Resources, Tab, col, said, to_json};
use crate::app::Confirm;
use crate::forms::check::{msg, whole_number};
use crate::forms::{Field, Fields, Form, FormKind};
use crate::protocol::Request;
use strm_model::{ConsentLevel, rules};

pub struct ConsentLevels;

const COLUMNS: &[Column] = &[col("ID", 1), col("NAME", 5)];

impl Kind for ConsentLevels {
    fn title(&self) -> &'static str {
        "Consent levels"
    }

    fn short_title(&self) -> &'static str {
        "Consent"
    }

    fn commands(&self) -> &'static [&'static str] {
        &["consent-levels", "consent"]
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn len(&self, data: &Resources) -> usize {
        data.consent_levels.len()
    }

    fn cells(&self, data: &Resources, i: usize) -> Vec<String> {
        let c = &data.consent_levels[i];
        vec![c.id.to_string(), c.name.clone()]
    }

    fn key(&self, data: &Resources, i: usize) -> String {
        data.consent_levels[i].id.to_string()
    }

    fn json(&self, data: &Resources, i: usize) -> serde_json::Value {
        to_json(&data.consent_levels[i])
    }

    fn list(&self, _data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(Request::ListConsentLevels)
    }

    fn empty(&self, create: &str) -> String {
        format!("No consent-level names yet — press {create} to name one")
    }

    /// Offers the id after the highest named one.
    fn create_form(&self, data: &Resources, _: Option<&str>, _: Option<&str>) -> Form {
        let next = data
            .consent_levels
            .iter()
            .map(|c| c.id + 1)
            .max()
            .unwrap_or(0);
        Form::new(
            FormKind::Create(Tab::ConsentLevels),
            ConsentLevelForm {
                id: Field::text(
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
            vec![("Delete".into(), Request::DeleteConsentLevel(c.id))],
        )
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
    fn title(&self) -> &'static str {
        "Name a consent level"
    }

    fn fields(&self) -> Vec<&Field> {
        vec![&self.id, &self.name]
    }

    fn fields_mut(&mut self) -> Vec<&mut Field> {
        vec![&mut self.id, &mut self.name]
    }

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

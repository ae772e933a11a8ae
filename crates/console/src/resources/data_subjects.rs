//! Data subjects: the people an account's events are about (those whose keys remain),
//! searched by the start of their id. Deleting one destroys their keys for good, after
//! a confirmation that says what becomes unreadable and asks for the id to be typed.

use super::{Kind, Meta, Resources, Row, Tab, col};
use crate::app::Confirm;
use crate::forms::check::msg;
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::{Answer, Call, Listed, ListedRows, Request};
use strm_model::DataSubject;
use strm_model::rules::{DATA_SUBJECTS_MAX, check_data_subject_id};

pub struct DataSubjects;

static META: Meta = Meta {
    title: "Data subjects",
    short_title: "Subjects",
    commands: &["data-subjects", "subjects"],
    columns: &[col("ID", 5), col("KEYS", 1), col("LAST SEEN (UTC)", 3)],
    scoped: false,
    rows: |d| subjects(d),
};

/// Before the first search answered.
static NONE_FOUND: Vec<DataSubject> = Vec::new();

/// One search's answer: the prefix it was for and the subjects found.
#[derive(Debug, Clone)]
pub struct Found {
    pub prefix: String,
    pub subjects: Vec<DataSubject>,
    /// More subjects start with the prefix than were listed.
    pub more: bool,
}

fn found(data: &Resources) -> Option<&Found> {
    data.listed::<Found>(Tab::DataSubjects)?.first()
}

fn subjects(data: &Resources) -> &Vec<DataSubject> {
    found(data).map_or(&NONE_FOUND, |f| &f.subjects)
}

/// Lists the subjects whose id starts with `prefix` (all when empty).
fn search(prefix: String) -> Request {
    let what = if prefix.is_empty() {
        "list data subjects".to_string()
    } else {
        // Ids are personal data: a request's words may reach a log.
        "search data subjects by prefix".to_string()
    };
    Request::Call(Call::new(what, false, move |client| {
        let prefix = prefix.clone();
        async move {
            let page = client
                .list_data_subjects(Some(&prefix), None, Some(DATA_SUBJECTS_MAX))
                .await?;
            let listed = Found {
                prefix,
                more: page.next.is_some(),
                subjects: page.data_subjects,
            };
            Ok(Answer::Listed(Listed::Rows(
                Tab::DataSubjects,
                ListedRows::new(vec![listed]),
            )))
        }
    }))
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` in UTC.
fn utc(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

impl Row for DataSubject {
    fn cells(&self, _data: &Resources) -> Vec<String> {
        vec![
            self.id.clone(),
            self.key_links.to_string(),
            utc(self.last_seen),
        ]
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Kind for DataSubjects {
    fn meta(&self) -> &'static Meta {
        &META
    }

    /// The same search again: the prefix stays until another search.
    fn list(&self, data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(search(
            found(data).map(|f| f.prefix.clone()).unwrap_or_default(),
        ))
    }

    fn title_note(&self, data: &Resources, _scope: Option<&str>) -> Option<String> {
        let f = found(data)?;
        let more = if f.more { ", the first 1000" } else { "" };
        (!f.prefix.is_empty() || f.more).then(|| format!(" starting with {:?}{more}", f.prefix))
    }

    fn empty(&self, create: &str) -> String {
        format!(
            "No data subjects — events of a contract with a dataSubjectField add them; \
             press {create} to search by the start of an id"
        )
    }

    fn create_form(&self, data: &Resources, _: Option<&str>, _: Option<&str>) -> Form {
        let prefix = found(data).map(|f| f.prefix.clone()).unwrap_or_default();
        Form::new(
            FormKind::Create(Tab::DataSubjects),
            SearchForm {
                prefix: Field::text("id starts with", "empty lists every data subject", &prefix),
            },
        )
    }

    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        let s = &subjects(d)[i];
        let keys = match s.key_links {
            1 => "their 1 key".to_string(),
            n => format!("their {n} keys"),
        };
        let lines = vec![
            format!("Forget data subject {}?", s.id),
            format!(
                "Destroys {keys} for good: every event those keys encrypted — this person's, and \
                 anyone's who shared a key-field value with them — can never be decrypted again."
            ),
            "Outputs, their live tails and their exports skip those events; the source \
             stream keeps the ciphertext."
                .into(),
            "This cannot be undone.".into(),
        ];
        let id = s.id.clone();
        let call = Call::new("forget a data subject", true, move |client| {
            let ids = vec![id.clone()];
            async move {
                let done = client.delete_data_subjects(&ids).await?;
                let n = done.deleted_key_links;
                Ok(Answer::Done(format!(
                    "Forgot the data subject: {n} key{} destroyed",
                    if n == 1 { "" } else { "s" }
                )))
            }
        });
        Confirm::new(
            "Forget data subject",
            lines,
            Some(s.id.clone()),
            vec![("Forget".into(), Request::Call(call))],
        )
    }
}

struct SearchForm {
    prefix: Field,
}

impl Fields for SearchForm {
    form_fields!("Find data subjects", prefix);

    fn check(&mut self) -> Option<Request> {
        let prefix = self.prefix.value();
        let checked = if prefix.is_empty() {
            Ok(())
        } else {
            check_data_subject_id("prefix", &prefix)
        };
        self.prefix.error = msg(checked.clone());
        checked.ok().map(|()| search(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_seen_reads_as_utc() {
        assert_eq!(utc(1_610_704_326_171), "2021-01-15 09:52:06");
    }
}

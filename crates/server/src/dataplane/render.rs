//! What a view receives of an event as the source stream holds it (all PII encrypted):
//! the source its text as is, an output the events its consent admits, with the fields
//! it may see decrypted. Live tails and exporters render alike.

use std::sync::Arc;

use super::avro_json::to_json_string;
use super::consent::{View, apply_view};
use super::decode;
use super::schemas::EventSchema;
use super::store::KeyStore;

#[derive(Clone)]
pub struct Renderer {
    keys: Arc<KeyStore>,
}

impl Renderer {
    pub fn new(keys: Arc<KeyStore>) -> Renderer {
        Renderer { keys }
    }

    /// The JSON text a view receives for an event of a stream, or `None` when the view
    /// does not admit it. It may read keys from SQLite.
    pub fn render(
        &self,
        account: &str,
        stream: &str,
        schema: &EventSchema,
        consent: &[i32],
        text: &str,
        view: &View,
    ) -> Option<String> {
        if !view.admits(consent) {
            return None;
        }
        if *view == View::Source {
            return Some(text.to_owned());
        }
        let event = decode::json_event(schema, text.as_bytes()).ok()?;
        let lookup = |id: u32| self.keys.by_id(account, stream, id).ok().flatten();
        apply_view(schema, event, view, &lookup).map(|v| to_json_string(&v))
    }
}

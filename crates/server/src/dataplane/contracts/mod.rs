//! Data contracts as the data plane uses them (`shared/spec/data-contracts.md`): which
//! schema an event names (the built-ins by id or public ref, an account's own contracts
//! by ref), each compiled once and kept while the server runs. The control plane keeps
//! the contracts themselves (`store::contracts`); this registry reads them through the
//! `Directory` and is told when one is archived.

pub mod avro;
pub mod compile;
pub mod json_schema;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::decode;
use super::directory::Directory;
use super::schemas::{EventSchema, SchemaRegistry};
use compile::Terms;
use strm_model::{ContractRef, ContractState, DataContract, Invalid};

pub const ARCHIVED_RULE: &str =
    "events name an ACTIVE contract; an archived one takes no new events (publish a new version)";

#[derive(Clone)]
struct Entry {
    schema: Arc<EventSchema>,
    archived: bool,
}

/// The terms of a stored contract.
pub fn terms_of(contract: &DataContract) -> Terms {
    Terms {
        key_field: contract.key_field.clone(),
        subject_field: contract.data_subject_field.clone(),
        pii_fields: contract.pii_fields.clone(),
        validations: contract.validations.clone(),
    }
}

/// Every schema events may name: the built-ins, and each account's compiled contracts.
pub struct Contracts {
    builtins: SchemaRegistry,
    /// Compiled contracts by account (billing id), then by ref.
    cache: RwLock<HashMap<String, HashMap<String, Entry>>>,
}

impl Contracts {
    pub fn new(builtins: SchemaRegistry) -> Contracts {
        Contracts {
            builtins,
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub fn builtins(&self) -> &SchemaRegistry {
        &self.builtins
    }

    /// Drops every compiled contract (after missing what other nodes changed).
    pub fn clear_cache(&self) {
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn cached(&self, account: &str, reference: &str) -> Option<Entry> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache.get(account)?.get(reference).cloned()
    }

    /// An account's contract, compiled on first use.
    fn contract(&self, directory: &dyn Directory, account: &str, reference: &str) -> Option<Entry> {
        if let Some(hit) = self.cached(account, reference) {
            return Some(hit);
        }
        let stored = directory.contract(account, reference)?;
        let (schema, _) = match compile::contract(
            &stored.reference,
            stored.schema_type,
            &stored.schema,
            &terms_of(&stored),
        ) {
            Ok(c) => c,
            Err(e) => {
                // It compiled when it was registered; a failure now is a server fault.
                tracing::error!(contract = %reference, error = %e, "a stored contract does not compile");
                return None;
            }
        };
        let entry = Entry {
            schema: Arc::new(schema),
            archived: stored.state == ContractState::Archived,
        };
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(account.to_owned())
            .or_default()
            .insert(reference.to_owned(), entry.clone());
        Some(entry)
    }

    /// The schema an event names in its headers: `Strm-Schema-Id` (a built-in), or
    /// `Strm-Schema-Ref` (a public ref, or one of the account's own contracts).
    pub fn for_event(
        &self,
        directory: &dyn Directory,
        account: &str,
        schema_id: Option<&str>,
        schema_ref: Option<&str>,
    ) -> Result<Arc<EventSchema>, Invalid> {
        if let (None, Some(r)) = (schema_id, schema_ref) {
            let r = r.trim();
            if let Some(s) = self.builtins.by_ref(r) {
                return Ok(s.clone());
            }
            // The cache first: a ref is parsed and checked only on its first event.
            let own = self.cached(account, r).or_else(|| {
                r.parse::<ContractRef>()
                    .ok()
                    .filter(|c| !c.is_public())
                    .and_then(|_| self.contract(directory, account, r))
            });
            match own {
                Some(Entry {
                    archived: false,
                    schema,
                }) => return Ok(schema),
                Some(_) => {
                    return Err(Invalid::new(
                        "Strm-Schema-Ref",
                        format!("contract {r} is archived"),
                        ARCHIVED_RULE,
                    ));
                }
                None => {}
            }
        }
        decode::schema_for(&self.builtins, schema_id, schema_ref).cloned()
    }

    /// The schema a stored event was accepted under (archived or not), or `None` when
    /// the server no longer knows it.
    pub fn for_stored(
        &self,
        directory: &dyn Directory,
        account: &str,
        schema_id: &str,
    ) -> Option<Arc<EventSchema>> {
        if let Some(s) = self.builtins.get(schema_id) {
            return Some(s.clone());
        }
        self.contract(directory, account, schema_id)
            .map(|e| e.schema)
    }

    /// Marks a contract archived: events naming it are refused from now on.
    pub fn archived(&self, account: &str, reference: &str) {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = cache.get_mut(account).and_then(|c| c.get_mut(reference)) {
            entry.archived = true;
        }
    }
}

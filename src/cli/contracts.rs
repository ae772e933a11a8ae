//! `data-contracts` and `data-subjects` (`data-contracts.md`): one's own event
//! definitions next to the public ones, and forgetting people. The API's JSON is printed
//! for jq, as by the other commands; every file problem names the file.

use std::path::PathBuf;

use clap::Subcommand;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap_complete::engine::ArgValueCompleter;

use super::names;
use super::output::{CliResult, print_json, print_line};
use crate::backend::Backend;
use strm_client::contract_files::read_contract;
use strm_model::{ContractRef, SchemaType, rules};

#[derive(Debug, Subcommand)]
pub enum DataContractsCommand {
    /// List your data contracts and the public ones.
    List,
    /// Show one data contract.
    Get {
        /// The contract's ref, handle/name/version (e.g. acme/checkout/1.0.0).
        #[arg(value_name = "REF", value_parser = parse_ref,
              add = ArgValueCompleter::new(names::data_contracts))]
        reference: ContractRef,
    },
    /// Register a data contract from a schema file and a contract file.
    Create {
        /// The contract's ref, handle/name/version (e.g. acme/checkout/1.0.0).
        #[arg(value_name = "REF", value_parser = parse_ref)]
        reference: ContractRef,
        /// The schema: an Avro record schema (.avsc) or a JSON Schema document.
        #[arg(long, value_name = "FILE", required = true)]
        schema_file: PathBuf,
        /// AVRO or JSON_SCHEMA (default: what the schema file is).
        #[arg(long, value_parser = schema_type_parser(), ignore_case = true)]
        schema_type: Option<SchemaType>,
        /// The contract: keyField, dataSubjectField, piiFields and validations as JSON.
        #[arg(long, value_name = "FILE", required = true)]
        contract_file: PathBuf,
    },
    /// Archive a data contract: events naming it are refused from then on.
    Delete {
        /// The contract's ref, handle/name/version.
        #[arg(value_name = "REF", value_parser = parse_ref,
              add = ArgValueCompleter::new(names::data_contracts))]
        reference: ContractRef,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataSubjectsCommand {
    /// List the people your events are about (those with keys), sorted by id.
    List {
        /// Only ids that start with this.
        #[arg(long, value_name = "TEXT")]
        prefix: Option<String>,
        /// At most this many (1-1000; default 100).
        #[arg(long, value_name = "INT")]
        limit: Option<usize>,
        /// The page after this id (the previous page's "next").
        #[arg(long, value_name = "ID")]
        after: Option<String>,
    },
    /// Forget people: destroy the keys of their personal data for good.
    Delete {
        /// The ids of the data subjects (1 to 1000).
        #[arg(value_name = "ID", required = true)]
        ids: Vec<String>,
    },
}

fn parse_ref(text: &str) -> Result<ContractRef, String> {
    text.parse().map_err(|e: strm_model::Invalid| e.to_string())
}

fn schema_type_parser() -> impl TypedValueParser<Value = SchemaType> {
    PossibleValuesParser::new(["AVRO", "JSON_SCHEMA"])
        .map(|s| s.parse().expect("a listed schema type"))
}

pub async fn data_contracts(cmd: DataContractsCommand, backend: &Backend) -> CliResult {
    let client = &backend.client;
    match cmd {
        DataContractsCommand::List => print_json(&client.list_data_contracts().await?),
        DataContractsCommand::Get { reference } => {
            print_json(&client.get_data_contract(&reference).await?)
        }
        DataContractsCommand::Create {
            reference,
            schema_file,
            schema_type,
            contract_file,
        } => {
            let req = read_contract(reference, &schema_file, schema_type, &contract_file)?;
            print_json(&client.create_data_contract(&req).await?)
        }
        DataContractsCommand::Delete { reference } => {
            client.archive_data_contract(&reference).await?;
            print_line(&format!("Archived data contract {reference}"))
        }
    }
}

pub async fn data_subjects(cmd: DataSubjectsCommand, backend: &Backend) -> CliResult {
    let client = &backend.client;
    match cmd {
        DataSubjectsCommand::List {
            prefix,
            limit,
            after,
        } => print_json(
            &client
                .list_data_subjects(prefix.as_deref(), after.as_deref(), limit)
                .await?,
        ),
        DataSubjectsCommand::Delete { ids } => {
            rules::check_data_subject_ids(&ids)?;
            print_json(&client.delete_data_subjects(&ids).await?)
        }
    }
}

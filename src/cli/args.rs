//! The command-line tree: global options, the console (no subcommand), `serve`, the
//! data-plane tools and the seed's command groups. Option names, value names and help
//! texts follow the 2021 CLI so that its examples and `--help` read the same.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use clap_complete::engine::ArgValueCompleter;

use super::names;
use strm_client::paths::API_URL_ENV;
use strm_model::{ConsentLevelType, Secret, SinkType};

#[derive(Debug, Parser)]
#[command(
    name = "strm-tui",
    version,
    about = "Stream Machine in a terminal: without a command the console starts; the \
             commands below are the scriptable CLI, printing the API's JSON.",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The Stream Machine API to use; without it a local server is started or joined.
    #[arg(long, value_name = "URL", env = API_URL_ENV, global = true)]
    pub api_url: Option<String>,
    /// Refuse every create and delete.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Let the console use the mouse.
    #[arg(long)]
    pub mouse: bool,
    /// The console's auto-refresh interval in seconds (0 turns it off).
    #[arg(long, value_name = "INT")]
    pub refresh_secs: Option<u64>,
    /// The console's colours.
    #[arg(long, value_name = "THEME", value_parser = PossibleValuesParser::new(strm_console::theme::Theme::NAMES))]
    pub theme: Option<String>,
    /// Print where configuration, credentials, secrets, data and logs are kept.
    #[arg(long)]
    pub print_paths: bool,
    /// Print the shell completion script; add `source <(strm-tui --generate-completion
    /// bash)` to your shell configuration.
    #[arg(long, value_name = "SHELL")]
    pub generate_completion: Option<Shell>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in, show and manage the stored credentials.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Create, list and delete streams.
    #[command(subcommand)]
    Streams(StreamsCommand),
    /// Create, list and delete outputs (decrypted streams).
    #[command(subcommand)]
    Outputs(OutputsCommand),
    /// Create, list and delete sinks (S3 or Google Cloud buckets).
    #[command(subcommand)]
    Sinks(SinksCommand),
    /// Create, list and delete exporters (batches from a stream to a sink).
    #[command(subcommand)]
    Exporters(ExportersCommand),
    /// Name consent levels.
    #[command(subcommand, name = "consent-levels")]
    ConsentLevels(ConsentLevelsCommand),
    /// List the live nodes of the server's cluster.
    #[command(subcommand)]
    Nodes(NodesCommand),
    /// Register, list and archive data contracts (your own event definitions).
    #[command(subcommand, name = "data-contracts")]
    DataContracts(super::contracts::DataContractsCommand),
    /// List and forget data subjects (the people your events are about).
    #[command(subcommand, name = "data-subjects")]
    DataSubjects(super::contracts::DataSubjectsCommand),
    /// Events a stream (or one of its outputs) got per time window, as CSV or JSON.
    Usage(UsageArgs),
    /// Run the local Stream Machine server until Ctrl-C.
    Serve(ServeArgs),
    /// Send simulated events to a stream.
    Simulate(crate::simulate::SimulateArgs),
    /// Set up a demo account with streams and events.
    Demo(crate::demo::DemoArgs),
    /// Print the shell completion script.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum NodesCommand {
    /// List the live nodes (one for a single server) and which one answered.
    List {
        /// Print the API's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Log in to Stream Machine and store the credentials.
    Login {
        /// Your Stream Machine portal e-mail address (asked when left out).
        #[arg(short, long, value_name = "TEXT")]
        email: Option<String>,
        /// Your password (asked without echo when left out).
        #[arg(short, long, value_name = "TEXT")]
        password: Option<Secret>,
    },
    /// Show who is logged in, the billing id and until when the token is valid.
    Show {
        /// Print the stored credentials as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a valid access token (refreshed when needed) for the API.
    PrintAccessToken,
    /// Revoke the refresh token at the API and delete the stored credentials.
    Revoke,
    /// Delete the stored credentials.
    Logout,
}

#[derive(Debug, Subcommand)]
pub enum StreamsCommand {
    /// List streams, or show one.
    List {
        /// Show only the stream with this name.
        #[arg(short, long, value_name = "TEXT", add = ArgValueCompleter::new(names::streams))]
        name: Option<String>,
    },
    /// Create a new stream.
    Create {
        /// The name of the stream that is created.
        #[arg(value_name = "name")]
        name: String,
        #[command(flatten)]
        about: Describe,
    },
    /// Delete a stream.
    Delete {
        /// The name of the stream that is deleted.
        #[arg(value_name = "name", add = ArgValueCompleter::new(names::streams))]
        name: String,
        /// Also delete its outputs and exporters.
        #[arg(long)]
        recursive: bool,
    },
}

/// Description and tags, shared by streams and outputs.
#[derive(Debug, Args)]
pub struct Describe {
    /// Optional description to describe the purpose of this stream or output.
    #[arg(short, long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Optional tag for this stream or output.
    #[arg(short, long = "tag", value_name = "TEXT")]
    pub tags: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum OutputsCommand {
    /// List the outputs of a stream, or show one.
    List {
        /// The name of the stream whose outputs are listed.
        #[arg(value_name = "name", add = ArgValueCompleter::new(names::streams))]
        stream: String,
        /// Show only the output with this name.
        #[arg(long, value_name = "TEXT", add = ArgValueCompleter::new(names::outputs))]
        output_name: Option<String>,
    },
    /// Create a new output.
    Create {
        /// The name of the stream for which an output is created.
        #[arg(value_name = "name", add = ArgValueCompleter::new(names::streams))]
        stream: String,
        /// The name of the output that is created.
        #[arg(value_name = "output-name")]
        output: String,
        /// The consent levels for this output.
        #[arg(
            long = "consent-level",
            value_name = "INT",
            allow_negative_numbers = true
        )]
        consent_levels: Vec<i64>,
        /// GRANULAR: events need every level; CUMULATIVE: the highest level and all below.
        #[arg(long, value_parser = consent_level_type_parser(), ignore_case = true,
              default_value = "CUMULATIVE")]
        consent_level_type: ConsentLevelType,
        #[command(flatten)]
        about: Describe,
        /// Name for the decrypter that will produce this output.
        #[arg(long, value_name = "TEXT")]
        decrypter_name: Option<String>,
    },
    /// Delete an output.
    Delete {
        /// The name of the stream the output belongs to.
        #[arg(value_name = "name", add = ArgValueCompleter::new(names::streams))]
        stream: String,
        /// The name of the output that is deleted.
        #[arg(value_name = "output-name", add = ArgValueCompleter::new(names::outputs))]
        output: String,
        /// Also delete its exporters.
        #[arg(long)]
        recursive: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SinksCommand {
    /// List sinks, or show one.
    List {
        /// Show only the sink with this name (needs --sink-type).
        #[arg(short, long, value_name = "TEXT", requires = "sink_type",
              add = ArgValueCompleter::new(names::sinks))]
        name: Option<String>,
        /// The type of the sink to show.
        #[arg(long, value_parser = sink_type_parser(), ignore_case = true)]
        sink_type: Option<SinkType>,
    },
    /// Create a new sink (an existing one of that name and type is replaced).
    Create {
        /// The type of the sink.
        #[arg(value_name = "sink-type", value_parser = sink_type_parser(), ignore_case = true)]
        sink_type: SinkType,
        /// The name of the sink that is created.
        #[arg(value_name = "sink-name")]
        name: String,
        /// The bucket the sink writes to, without scheme.
        #[arg(long, value_name = "TEXT", required = true)]
        bucket_name: String,
        /// The credentials as JSON (for S3 what `aws iam create-access-key` prints).
        #[arg(short, long, value_name = "JSON", conflicts_with = "credentials_file")]
        credentials: Option<Secret>,
        /// A file holding the credentials JSON.
        #[arg(long, value_name = "FILE")]
        credentials_file: Option<PathBuf>,
    },
    /// Delete a sink.
    Delete {
        /// The name of the sink that is deleted.
        #[arg(value_name = "sink-name", add = ArgValueCompleter::new(names::sinks))]
        name: String,
        /// The type of the sink.
        #[arg(value_name = "sink-type", value_parser = sink_type_parser(), ignore_case = true)]
        sink_type: SinkType,
    },
    /// List the objects in a sink's bucket (every page, unless --limit is given).
    Objects {
        /// The name of the sink.
        #[arg(value_name = "sink-name", add = ArgValueCompleter::new(names::sinks))]
        name: String,
        /// Only keys starting with this, e.g. a folder: level01/
        #[arg(long, value_name = "TEXT", default_value = "")]
        prefix: String,
        /// List folders: the objects directly under the prefix and the folders below it.
        #[arg(long)]
        folders: bool,
        /// One page of at most this many objects (1-1000), with "next" when there is more.
        #[arg(long, value_name = "INT")]
        limit: Option<String>,
        /// Start after this key (the "next" of a previous page).
        #[arg(long, value_name = "TEXT")]
        after: Option<String>,
        /// The type of the sink (when two sinks share the name).
        #[arg(long, value_parser = sink_type_parser(), ignore_case = true)]
        sink_type: Option<SinkType>,
    },
    /// Write an object of a sink's bucket to stdout.
    #[command(name = "get-object")]
    GetObject {
        /// The name of the sink.
        #[arg(value_name = "sink-name", add = ArgValueCompleter::new(names::sinks))]
        name: String,
        /// The object's key, as `sinks objects` lists it.
        #[arg(value_name = "key")]
        key: String,
        /// The type of the sink (when two sinks share the name).
        #[arg(long, value_parser = sink_type_parser(), ignore_case = true)]
        sink_type: Option<SinkType>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportersCommand {
    /// List all exporters.
    List,
    /// Show one exporter.
    Get {
        /// Name of the stream or output the exporter reads.
        #[arg(value_name = "streamName", add = ArgValueCompleter::new(names::streams_and_outputs))]
        stream: String,
        #[command(flatten)]
        which: WhichExporter,
    },
    /// Create a new exporter.
    Create {
        /// Name of the exporter.
        #[arg(long, value_name = "TEXT", required = true)]
        exporter_name: String,
        /// The name of the sink that should be used for this exporter.
        #[arg(long, value_name = "TEXT", required = true, add = ArgValueCompleter::new(names::sinks))]
        sink_name: String,
        /// The type of sink that should be used for this exporter.
        #[arg(long, value_parser = sink_type_parser(), ignore_case = true, required = true)]
        sink_type: SinkType,
        /// The interval in seconds between each batch that is exported to the configured
        /// sink.
        #[arg(
            short,
            long,
            value_name = "INT",
            allow_negative_numbers = true,
            required = true
        )]
        interval: i64,
        /// Optional path prefix. Every object that is exported to the configured sink will
        /// have this path prepended to the resource destination.
        #[arg(long, value_name = "TEXT")]
        path_prefix: Option<String>,
        /// Export the stream's encryption keys instead of its events.
        #[arg(short = 'k', long)]
        export_keys: bool,
        /// Name of the stream that is being exported.
        #[arg(value_name = "streamName", add = ArgValueCompleter::new(names::streams_and_outputs))]
        stream: String,
    },
    /// Delete an exporter.
    Delete {
        /// Name of the stream or output the exporter reads.
        #[arg(value_name = "streamName", add = ArgValueCompleter::new(names::streams_and_outputs))]
        stream: String,
        #[command(flatten)]
        which: WhichExporter,
    },
    /// Show an exporter's status: state, last batch, totals, pending events, last error.
    Status {
        /// Name of the stream or output the exporter reads.
        #[arg(value_name = "streamName", add = ArgValueCompleter::new(names::streams_and_outputs))]
        stream: String,
        #[command(flatten)]
        which: WhichExporter,
    },
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// The stream whose events are counted.
    #[arg(value_name = "name", add = ArgValueCompleter::new(names::streams))]
    pub stream: String,
    /// Count what this output of the stream delivered instead.
    #[arg(long, value_name = "TEXT", add = ArgValueCompleter::new(names::outputs))]
    pub output: Option<String>,
    /// Start: epoch milliseconds or RFC 3339 (default: 24 hours before --until).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End: epoch milliseconds or RFC 3339 (default: now).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Window length in seconds (1-86400).
    #[arg(
        long,
        value_name = "INT",
        default_value = "300",
        allow_negative_numbers = true
    )]
    pub by: String,
    /// Print the API's JSON instead of CSV.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WhichExporter {
    /// Name of the exporter.
    #[arg(long, value_name = "TEXT", required = true, add = ArgValueCompleter::new(names::exporters))]
    pub exporter_name: String,
    /// The key exporter rather than the event exporter.
    #[arg(short = 'k', long)]
    pub export_keys: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConsentLevelsCommand {
    /// List the consent-level names, or show one.
    List {
        /// Show only this consent level.
        #[arg(short, long, value_name = "INT", allow_negative_numbers = true,
              add = ArgValueCompleter::new(names::consent_levels))]
        id: Option<i64>,
    },
    /// Name a consent level (replaces an existing name).
    Create {
        /// The consent level.
        #[arg(value_name = "id", allow_negative_numbers = true)]
        id: i64,
        /// The name of the consent level.
        #[arg(short, long, value_name = "TEXT", required = true)]
        name: String,
    },
    /// Delete a consent-level name.
    Delete {
        /// The consent level.
        #[arg(value_name = "id", allow_negative_numbers = true,
              add = ArgValueCompleter::new(names::consent_levels))]
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8642 (default: a free loopback port).
    #[arg(long, value_name = "ADDR")]
    pub addr: Option<SocketAddr>,
    /// Where the server keeps its database and buckets (default: the data directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// An account to create when missing, or whose password to reset (repeatable). Its
    /// password comes from --password-file, else STRM_TUI_PASSWORD, else a prompt. The
    /// old form EMAIL:PASSWORD still works but shows the password to every user of the
    /// machine (`ps`).
    #[arg(long = "user", value_name = "EMAIL")]
    pub users: Vec<Secret>,
    /// Where accounts, resources, keys and export positions are kept: `sqlite` (a file in
    /// the data directory) or the postgres:// URL of a PostgreSQL that several nodes share.
    #[arg(
        long,
        value_name = "sqlite|URL",
        env = "STRM_DATABASE",
        hide_env_values = true,
        default_value = "sqlite"
    )]
    pub database: Secret,
    /// Where events are kept: `local` (the data directory's own log) or the
    /// comma-separated nats:// URLs of a NATS JetStream cluster that several nodes share.
    #[arg(
        long,
        value_name = "local|URLS",
        env = "STRM_EVENT_STORE",
        hide_env_values = true,
        default_value = "local"
    )]
    pub event_store: Secret,
    /// JetStream replicas of the events (3 on a three-server NATS cluster).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub event_replicas: usize,
    /// How this node appears in logs, answers and `nodes list` (default: host name and
    /// port).
    #[arg(long, value_name = "NAME")]
    pub node_name: Option<String>,
    /// A file whose first line is the password of every --user EMAIL (keep it 0600).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Seconds a client has to send a request's headers; a connection idle this long is
    /// closed.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Connections at once (default: as many as the open-files limit allows, less a
    /// reserve).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
    /// Connections at once from one client address.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections_per_address: u64,
    /// Make a new master key (master.key) and seal the stored sink credentials and
    /// encryption keys with it before serving. A key given in STRM_MASTER_KEY is rotated
    /// by starting with the new one there and the old one in STRM_PREVIOUS_MASTER_KEY.
    #[arg(long)]
    pub rotate_master_key: bool,
}

/// Sink types by their API names (`S3`, `GCLOUD`); any case is accepted, so the seed's
/// `sinks create s3` works as written.
fn sink_type_parser() -> impl TypedValueParser<Value = SinkType> {
    PossibleValuesParser::new(["S3", "GCLOUD"]).map(|s| s.parse().expect("a listed sink type"))
}

fn consent_level_type_parser() -> impl TypedValueParser<Value = ConsentLevelType> {
    PossibleValuesParser::new(["GRANULAR", "CUMULATIVE"])
        .map(|s| s.parse().expect("a listed consent-level type"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}

fn main() -> std::process::ExitCode {
    strm_tui::cli::run(std::env::args_os())
}

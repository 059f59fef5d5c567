//! The generated program's command line, and the layering of its settings:
//! `topology!` defaults < the configuration file < environment < flags.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::{
    program::{
        app,
        error::ProgramError,
        settings::{CONFIG_VAR, ORDINAL_START_VAR, POLICIES_VAR, SHARDS_VAR, Settings, env_var, flag, specs},
        spec::ProgramSpec,
    },
    runtime::shard::{Shard, ShardError, whole_number},
};

pub(super) fn command(spec: &ProgramSpec, defaults: &Settings) -> Command {
    let mut command = Command::new(spec.name)
        .about(about(spec))
        .after_help(AFTER_HELP)
        .arg(
            Arg::new("config")
                .long("config")
                .value_name("PATH")
                .value_parser(clap::value_parser!(PathBuf))
                .help(format!(
                    "YAML configuration file with {} sections [env: {CONFIG_VAR}]",
                    if defaults.app.is_declared() {
                        "`global:`, `app:`, `pipelines:` and `policies:`"
                    } else {
                        "`global:`, `pipelines:` and `policies:`"
                    }
                )),
        )
        .arg(Arg::new("list").long("list").action(ArgAction::SetTrue).help(
            "Print the pipelines this replica would run (key, shard, interval, restart policy and its source) and exit",
        ))
        .arg(
            Arg::new("policy")
                .long("policy")
                .value_name("KEY.FIELD=VALUE")
                .action(ArgAction::Append)
                .help(format!(
                    "Set a restart policy or interval over #[pipeline]'s, for a pipeline, a family, an entry \
                     (family/name) or every pipeline (*): fields {}; repeatable [env: {POLICIES_VAR}, \
                     comma-separated]",
                    crate::program::policy::FIELDS
                        .iter()
                        .map(|(field, _)| *field)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
        );
    if defaults.app.is_declared() {
        command = command.after_help(format!("{AFTER_HELP}\n{APP_VALUES}"));
    }
    let mut app_flags: Vec<String> = Vec::new();
    for (field, current) in defaults.app.fields() {
        // Two fields on one flag are reported at start; clap must not panic first.
        if app_flags.contains(&app::flag(field)) {
            continue;
        }
        app_flags.push(app::flag(field));
        command = command.arg(
            Arg::new(app::flag(field))
                .long(app::flag(field))
                .value_name("VALUE")
                .action(ArgAction::Set)
                .allow_hyphen_values(true)
                .help_heading("Application settings (`app:` in the configuration file)")
                .help(format!(
                    "{}`{field}` [env: {}] [default: {current}]",
                    defaults
                        .app
                        .help_of(field)
                        .map(|doc| format!("{doc} "))
                        .unwrap_or_default(),
                    app::env_var(field)
                )),
        );
    }
    for (spec, (_, current)) in specs().zip(defaults.values()) {
        command = command.arg(
            Arg::new(spec.name)
                .long(flag(spec.name))
                .value_name("VALUE")
                .action(ArgAction::Set)
                .allow_hyphen_values(true)
                .help(format!(
                    "{} [expects {}] [env: {}] [default: {current}]",
                    spec.help,
                    spec.expects,
                    env_var(spec.name)
                )),
        );
    }
    command
}

/// What `--help` ends with.
const AFTER_HELP: &str = "Settings are read from the topology! defaults, then the --config file, then TOPOLOGY_* \
     environment variables, then flags; later sources win.\n\
     Exit codes: 0 every pipeline completed or was cancelled; 1 a pipeline failed, panicked or \
     timed out; 2 a start-up or configuration error; 130 forced by a second signal.";

/// How `--help` says the application's settings are read from text.
const APP_VALUES: &str = "Application settings from flags and TOPOLOGY_APP_* variables are read as their \
     type asks: text as given, numbers and booleans as YAML, `null` or `~` for none (an Option), \
     `[a, b]` for lists and `{k: v}` for maps.";

/// This pod's shard: `TOPOLOGY_SHARDS` shards, the index from the ordinal
/// at the end of the hostname (`HOSTNAME`, else the kernel's), counted from
/// `TOPOLOGY_SHARD_ORDINAL_START`.
fn shard_from_hostname(count: &str, env: &impl Fn(&str) -> Option<String>) -> Result<Shard, ProgramError> {
    let invalid = |var: &str, value: &str, reason: String| ProgramError::InvalidSetting {
        setting: "shard".to_owned(),
        value: value.to_owned(),
        origin: format!("environment variable {var}"),
        reason,
    };
    let count_value: u32 = whole_number(count).ok_or_else(|| {
        invalid(
            SHARDS_VAR,
            count,
            "expected a whole number of shards, at least 1".to_owned(),
        )
    })?;
    let hostname = env("HOSTNAME")
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .unwrap_or_default();
    // A StatefulSet with `spec.ordinals.start` numbers its pods from there.
    let first = match env(ORDINAL_START_VAR) {
        None => 0,
        Some(text) => whole_number(&text).ok_or_else(|| {
            invalid(
                ORDINAL_START_VAR,
                &text,
                "expected the StatefulSet's first ordinal, a whole number".to_owned(),
            )
        })?,
    };
    Shard::from_hostname(&hostname, count_value, first).map_err(|error| {
        let reason = match error {
            ShardError::NoOrdinal { .. } => format!("{error}; set {}=i/n instead", env_var("shard")),
            ShardError::OrdinalBelowFirst { .. } => format!("{error} ({ORDINAL_START_VAR})"),
            _ => error.to_string(),
        };
        invalid(SHARDS_VAR, count, reason)
    })
}

/// What `--help` opens with: the program's description, then what it runs.
fn about(spec: &ProgramSpec) -> String {
    let runs = format!(
        "Runs the {} pipelines {} until SIGINT, SIGTERM or SIGQUIT.",
        spec.typetag,
        spec.declared.join(", ")
    );
    match spec.description.trim() {
        "" => runs,
        description => format!("{description}\n\n{runs}"),
    }
}

/// Layers the sources: defaults < configuration file < environment < flags.
pub(super) fn resolve(
    mut settings: Settings,
    matches: &ArgMatches,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, ProgramError> {
    let config = matches
        .get_one::<PathBuf>("config")
        .cloned()
        .or_else(|| env(CONFIG_VAR).map(PathBuf::from));
    if let Some(path) = config {
        settings.apply_file(&path)?;
    }
    settings.apply_env(&env)?;
    // A StatefulSet gives each pod an ordinal in its hostname; an explicit
    // TOPOLOGY_SHARD (or --shard) wins over it.
    let explicit = env(&env_var("shard")).is_some() || matches.get_one::<String>("shard").is_some();
    if let (false, Some(count)) = (explicit, env(SHARDS_VAR)) {
        settings.replica.shard = shard_from_hostname(&count, &env)?;
    }
    for spec in specs() {
        if let Some(value) = matches.get_one::<String>(spec.name) {
            settings.apply(spec.name, value, &format!("flag --{}", flag(spec.name)))?;
        }
    }
    let fields: Vec<String> = settings.app.fields().map(|(field, _)| field.to_owned()).collect();
    for field in fields {
        let flag = app::flag(&field);
        if let Some(value) = matches.get_one::<String>(&flag) {
            settings.app.set(&field, value, &format!("flag --{flag}"))?;
        }
    }
    for list in matches.get_many::<String>("policy").into_iter().flatten() {
        settings.policies.apply_list(list, "flag --policy")?;
    }
    settings.validate()?;
    Ok(settings)
}

#[cfg(test)]
mod tests;

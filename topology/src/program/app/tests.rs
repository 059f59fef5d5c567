use std::collections::BTreeMap;

use super::*;

#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct App {
    lake_url: String,
    batch_size: u32,
    region: Option<String>,
    tables: Vec<String>,
    limits: BTreeMap<String, u32>,
    retry: Retry,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_file: Option<String>,
}

#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Retry {
    times: u32,
}

fn with(pairs: &[(&str, &str)]) -> Result<App, ProgramError> {
    let mut app = AppSettings::of::<App>();
    for (field, text) in pairs {
        app.set(field, text, "flag --app-x")?;
    }
    app.get::<App>()
}

#[test]
fn text_fields_take_any_scalar_as_text() {
    let app = with(&[("lake_url", "12345"), ("region", "true")]).unwrap();
    assert_eq!(app.lake_url, "12345");
    assert_eq!(app.region.as_deref(), Some("true"));
    let app = with(&[("region", "12345")]).unwrap();
    assert_eq!(app.region.as_deref(), Some("12345"));
}

#[test]
fn options_take_null_or_tilde_for_none() {
    for none in ["null", "~"] {
        let app = with(&[("region", "eu"), ("region", none)]).unwrap();
        assert_eq!(app.region, None, "{none}");
    }
    // The help shows what is accepted.
    let fields: Vec<(String, String)> = AppSettings::of::<App>()
        .fields()
        .map(|(field, shown)| (field.to_owned(), shown))
        .collect();
    assert!(fields.contains(&("region".to_owned(), "null".to_owned())), "{fields:?}");
}

#[test]
fn lists_maps_and_structs_take_yaml_flow_syntax() {
    let app = with(&[
        ("tables", "[orders, events]"),
        ("limits", "{orders: 3}"),
        ("retry", "{times: 4}"),
    ])
    .unwrap();
    assert_eq!(app.tables, ["orders", "events"]);
    assert_eq!(app.limits.get("orders"), Some(&3));
    assert_eq!(app.retry.times, 4);
    let error = with(&[("tables", "{a: 1}")]).unwrap_err().to_string();
    assert!(
        error.contains("`app.tables`") && error.contains("expected a sequence"),
        "{error}"
    );
}

#[test]
fn a_number_that_does_not_fit_names_the_setting_value_and_source() {
    assert_eq!(
        with(&[("batch_size", "lots")]).unwrap_err().to_string(),
        "invalid value `lots` for setting `app.batch_size` (from flag --app-x): invalid type: string \"lots\", expected u32"
    );
    assert_eq!(with(&[("batch_size", "500")]).unwrap().batch_size, 500);
}

#[test]
fn fields_left_out_of_the_defaults_are_known() {
    let app = with(&[("token_file", "/run/secrets/token")]).unwrap();
    assert_eq!(app.token_file.as_deref(), Some("/run/secrets/token"));
    assert!(
        AppSettings::of::<App>()
            .fields()
            .any(|(field, shown)| field == "token_file" && shown == "unset")
    );
    // Unset, the field keeps its default.
    assert_eq!(with(&[]).unwrap().token_file, None);
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct OneFlagTwice {
    lake_url: String,
    #[serde(rename = "lake-url")]
    lake_url_again: String,
}

#[test]
fn two_fields_on_one_flag_are_an_error_naming_both() {
    let error = AppSettings::of::<OneFlagTwice>()
        .get::<OneFlagTwice>()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`lake_url` and `lake-url`") && error.contains("--app-lake-url"),
        "{error}"
    );
}

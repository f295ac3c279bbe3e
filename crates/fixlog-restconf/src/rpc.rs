//! RFC 8639 RPC bodies in their RESTCONF form (RFC 8040 §3.6: `{module}:input` /
//! `{module}:output`), and the notifications the server sends (RFC 8040 §6.4 envelope).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::errors::{RestconfError, SubscriptionError};
use crate::filter::Filter;
use crate::{RSN, SN};

/// The input of `establish-subscription`, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct EstablishInput {
    /// The stream name (checked against the server's streams by the caller).
    pub stream: String,
    /// The stream filter, `Filter::All` when none is given.
    pub filter: Filter,
    /// The filter as received (`stream-xpath-filter` or `stream-subtree-filter` member and
    /// value), echoed in `subscription-modified`.
    pub filter_source: Option<(String, Value)>,
    /// `replay-start-time`.
    pub replay_start_time: Option<OffsetDateTime>,
    /// `stop-time`.
    pub stop_time: Option<OffsetDateTime>,
}

/// A parsed stream filter and the filter member as received (name, value).
pub type ParsedFilter = (Filter, (String, Value));

/// The input of `modify-subscription`, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ModifyInput {
    /// The subscription.
    pub id: u32,
    /// A new filter, if given.
    pub filter: Option<ParsedFilter>,
    /// A new stop time, if given.
    pub stop_time: Option<OffsetDateTime>,
}

/// Parses an RFC 3339 `date-and-time` whose instant has a four-digit year in UTC, where
/// [`format_time`] writes it back (`9999-12-31T23:30:00-01:00` is already year 10000).
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let time = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    time.checked_to_offset(time::UtcOffset::UTC)
        .filter(|utc| (0..=9999).contains(&utc.year()))
        .map(|_| time)
}

/// Formats a time as `date-and-time` (UTC, `Z`, microseconds like entry `published`).
pub fn format_time(time: OffsetDateTime) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.microsecond()
    )
}

/// The members of `{sn}:input`, refusing a body that is not one.
fn input_members<'a>(rpc: &str, body: &'a Value) -> Result<&'a Map<String, Value>, RestconfError> {
    let object = body
        .as_object()
        .ok_or_else(|| RestconfError::malformed("the body must be a JSON object"))?;
    let name = format!("{SN}:input");
    if object.len() != 1 {
        return Err(RestconfError::malformed(format!(
            "the body must have exactly one member, {name:?}"
        )));
    }
    object
        .get(&name)
        .and_then(Value::as_object)
        .ok_or_else(|| RestconfError::malformed(format!("{rpc}: expected {{{name:?}: {{…}}}}")))
}

fn text<'a>(
    rpc: &str,
    members: &'a Map<String, Value>,
    leaf: &str,
) -> Result<Option<&'a str>, RestconfError> {
    match members.get(leaf) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(RestconfError::invalid_value(
            rpc,
            leaf,
            format!("{leaf} must be a string"),
        )),
    }
}

fn time_leaf(
    rpc: &str,
    members: &Map<String, Value>,
    leaf: &str,
) -> Result<Option<OffsetDateTime>, RestconfError> {
    text(rpc, members, leaf)?
        .map(|value| {
            parse_time(value).ok_or_else(|| {
                RestconfError::invalid_value(
                    rpc,
                    leaf,
                    format!("{leaf} {value:?} is not an RFC 3339 date-and-time"),
                )
            })
        })
        .transpose()
}

/// Parses the filter choice (`stream-filter-name` | `stream-subtree-filter` |
/// `stream-xpath-filter`).
fn filter(rpc: &str, members: &Map<String, Value>) -> Result<Option<ParsedFilter>, RestconfError> {
    let unsupported = |hint: String| {
        RestconfError::subscription(
            SubscriptionError::FilterUnsupported,
            rpc,
            "the stream filter cannot be applied",
            Some(hint),
        )
    };
    let given: Vec<&str> = [
        "stream-filter-name",
        "stream-subtree-filter",
        "stream-xpath-filter",
    ]
    .into_iter()
    .filter(|leaf| members.contains_key(*leaf))
    .collect();
    match given.as_slice() {
        [] => Ok(None),
        ["stream-filter-name"] => Err(unsupported(
            "no named filters are configured; send stream-xpath-filter or stream-subtree-filter"
                .into(),
        )),
        ["stream-xpath-filter"] => {
            let xpath = text(rpc, members, "stream-xpath-filter")?.unwrap_or_default();
            let parsed = Filter::from_xpath(xpath).map_err(|error| unsupported(error.hint))?;
            Ok(Some((
                parsed,
                ("stream-xpath-filter".into(), Value::from(xpath)),
            )))
        }
        ["stream-subtree-filter"] => {
            let subtree = &members["stream-subtree-filter"];
            let parsed = Filter::from_subtree(subtree).map_err(|error| unsupported(error.hint))?;
            Ok(Some((
                parsed,
                ("stream-subtree-filter".into(), subtree.clone()),
            )))
        }
        _ => Err(RestconfError::invalid_value(
            rpc,
            given[1],
            "only one stream filter may be given",
        )),
    }
}

fn refuse_unknown(
    rpc: &str,
    members: &Map<String, Value>,
    known: &[&str],
) -> Result<(), RestconfError> {
    for name in members.keys() {
        if name == "dscp" && rpc == "establish-subscription" {
            return Err(RestconfError::subscription(
                SubscriptionError::DscpUnavailable,
                rpc,
                "this server does not mark traffic with DSCP (feature dscp is not supported)",
                None,
            ));
        }
        if !known.contains(&name.as_str()) {
            return Err(RestconfError {
                error_tag: "unknown-element",
                error_type: "application",
                ..RestconfError::invalid_value(
                    rpc,
                    name,
                    format!("{name:?} is not supported in {rpc}"),
                )
            });
        }
    }
    Ok(())
}

impl EstablishInput {
    /// Parses the body of `establish-subscription`.
    pub fn parse(body: &Value) -> Result<Self, RestconfError> {
        const RPC: &str = "establish-subscription";
        let members = input_members(RPC, body)?;
        refuse_unknown(
            RPC,
            members,
            &[
                "stream",
                "stream-filter-name",
                "stream-subtree-filter",
                "stream-xpath-filter",
                "replay-start-time",
                "stop-time",
                "encoding",
            ],
        )?;
        if let Some(encoding) = text(RPC, members, "encoding")? {
            let bare = encoding.strip_prefix(&format!("{SN}:")).unwrap_or(encoding);
            if bare != "encode-json" {
                return Err(RestconfError::subscription(
                    SubscriptionError::EncodingUnsupported,
                    RPC,
                    format!("encoding {encoding:?} is not supported; use encode-json"),
                    None,
                ));
            }
        }
        let stream = text(RPC, members, "stream")?
            .ok_or_else(|| RestconfError {
                error_tag: "missing-element",
                ..RestconfError::invalid_value(RPC, "stream", "stream is mandatory")
            })?
            .to_owned();
        let filter = filter(RPC, members)?;
        let (filter, filter_source) = match filter {
            Some((filter, source)) => (filter, Some(source)),
            None => (Filter::All, None),
        };
        Ok(Self {
            stream,
            filter,
            filter_source,
            replay_start_time: time_leaf(RPC, members, "replay-start-time")?,
            stop_time: time_leaf(RPC, members, "stop-time")?,
        })
    }
}

fn id(rpc: &str, members: &Map<String, Value>) -> Result<u32, RestconfError> {
    members
        .get("id")
        .ok_or_else(|| RestconfError {
            error_tag: "missing-element",
            ..RestconfError::invalid_value(rpc, "id", "id is mandatory")
        })?
        .as_u64()
        .and_then(|id| u32::try_from(id).ok())
        .ok_or_else(|| RestconfError::invalid_value(rpc, "id", "id must be a uint32 number"))
}

impl ModifyInput {
    /// Parses the body of `modify-subscription`.
    pub fn parse(body: &Value) -> Result<Self, RestconfError> {
        const RPC: &str = "modify-subscription";
        let members = input_members(RPC, body)?;
        refuse_unknown(
            RPC,
            members,
            &[
                "id",
                "stream-filter-name",
                "stream-subtree-filter",
                "stream-xpath-filter",
                "stop-time",
            ],
        )?;
        Ok(Self {
            id: id(RPC, members)?,
            filter: filter(RPC, members)?,
            stop_time: time_leaf(RPC, members, "stop-time")?,
        })
    }
}

/// Parses the body of `delete-subscription` or `kill-subscription`: the id.
pub fn parse_id_input(rpc: &str, body: &Value) -> Result<u32, RestconfError> {
    let members = input_members(rpc, body)?;
    refuse_unknown(rpc, members, &["id"])?;
    id(rpc, members)
}

/// The `establish-subscription` output (RFC 8639 §2.4.2, RFC 8650 §7 `uri`).
pub fn establish_output(id: u32, replay_start_time_revision: Option<&str>, uri: &str) -> Value {
    let mut output = Map::new();
    output.insert("id".into(), Value::from(id));
    if let Some(revision) = replay_start_time_revision {
        output.insert("replay-start-time-revision".into(), Value::from(revision));
    }
    output.insert(format!("{RSN}:uri"), Value::from(uri));
    json!({ format!("{SN}:output"): Value::Object(output) })
}

/// One RFC 8040 §6.4 notification: `{"ietf-restconf:notification": {"eventTime": …,
/// "<module>:<name>": body}}`, serialized on one line (one SSE `data:` line).
pub fn envelope(event_time: &str, qualified_name: &str, body: &Value) -> String {
    let mut notification = Map::new();
    notification.insert("eventTime".into(), Value::from(event_time));
    notification.insert(qualified_name.to_owned(), body.clone());
    json!({ "ietf-restconf:notification": Value::Object(notification) }).to_string()
}

/// `replay-completed` (RFC 8639 §2.7.4).
pub fn replay_completed(event_time: &str, id: u32) -> String {
    envelope(
        event_time,
        &format!("{SN}:replay-completed"),
        &json!({"id": id}),
    )
}

/// `subscription-terminated` with a reason identity (qualified when not an `sn` identity).
pub fn subscription_terminated(event_time: &str, id: u32, reason: &str) -> String {
    envelope(
        event_time,
        &format!("{SN}:subscription-terminated"),
        &json!({"id": id, "reason": reason}),
    )
}

/// `subscription-modified` (RFC 8639 §2.7.2) with the new terms and the RESTCONF `uri`.
pub fn subscription_modified(
    event_time: &str,
    id: u32,
    stream: &str,
    filter: Option<&(String, Value)>,
    replay_start_time: Option<&str>,
    stop_time: Option<&str>,
    uri: &str,
) -> String {
    let mut body = Map::new();
    body.insert("id".into(), Value::from(id));
    if let Some((member, value)) = filter {
        body.insert(member.clone(), value.clone());
    }
    body.insert("stream".into(), Value::from(stream));
    if let Some(start) = replay_start_time {
        body.insert("replay-start-time".into(), Value::from(start));
    }
    if let Some(stop) = stop_time {
        body.insert("stop-time".into(), Value::from(stop));
    }
    body.insert("encoding".into(), Value::from("encode-json"));
    body.insert(format!("{RSN}:uri"), Value::from(uri));
    envelope(
        event_time,
        &format!("{SN}:subscription-modified"),
        &Value::Object(body),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `restconf_rpc` fuzz target: a replay-start-time whose UTC instant falls
    /// in year 10000 made `format_time` (which the server applies to it) panic; one in year
    /// -1 printed as `-001-…`, which is no `date-and-time`.
    #[test]
    fn times_outside_four_digit_utc_years_are_refused() {
        assert!(parse_time("9999-12-31T23:59:59-01:00").is_none());
        assert!(parse_time("0000-01-01T00:30:00+01:00").is_none());
        let last = parse_time("9999-12-31T23:59:59.999999+00:00").unwrap();
        assert_eq!(format_time(last), "9999-12-31T23:59:59.999999Z");
        let first = parse_time("0000-01-01T01:00:00+01:00").unwrap();
        assert_eq!(format_time(first), "0000-01-01T00:00:00.000000Z");
        let body = json!({"ietf-subscribed-notifications:input": {
            "stream": "fwsec-log", "replay-start-time": "9999-12-31T23:59:59-01:00"}});
        let error = EstablishInput::parse(&body).unwrap_err();
        assert_eq!(error.error_tag, "invalid-value");
    }

    #[test]
    fn establish_input_parses_and_refuses() {
        let input = EstablishInput::parse(&json!({"ietf-subscribed-notifications:input": {
            "stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z",
            "stream-xpath-filter": "/fwsec-log:firmware-security-update[fwsec-log:sequence-number > 3]"}}))
        .unwrap();
        assert_eq!(input.stream, "fwsec-log");
        assert_eq!(input.replay_start_time.unwrap().unix_timestamp(), 0);
        let error = EstablishInput::parse(&json!({"ietf-subscribed-notifications:input": {
            "stream": "fwsec-log", "encoding": "encode-xml"}}))
        .unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(
            error.error_app_tag.as_deref(),
            Some("ietf-subscribed-notifications:encoding-unsupported")
        );
        let error = EstablishInput::parse(&json!({"input": {"stream": "fwsec-log"}})).unwrap_err();
        assert_eq!(error.error_tag, "malformed-message");
    }

    #[test]
    fn time_is_formatted_like_published() {
        let time = parse_time("2026-11-29T10:00:00.25+01:00").unwrap();
        assert_eq!(format_time(time), "2026-11-29T09:00:00.250000Z");
    }
}

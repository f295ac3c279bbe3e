//! The built-in demo manufacturer of `serve --demo`: a fictional ICS vendor (ACME Industrial
//! Controls, converted from the project's test fixture by `scripts/make-demo.py`) with six
//! product lines, six version schemes, 53 firmware images, revised and withdrawn advisories.
//!
//! Loading goes through the same write path as the API, with each operation's historical date
//! as the log clock, so the demo log is a real, verifiable log whose content is identical on
//! every run.

use fixlog_api::{AdvisoryRequest, ProductDoc, ReleaseRequest, WithdrawRequest};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;
use crate::log::Log;
use crate::write;

/// The data set, compiled into the binary.
pub const DATA: &str = include_str!("../demo/acme-ics.json");

#[derive(Deserialize)]
struct DemoFile {
    operations: Vec<Operation>,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Operation {
    Product {
        at: String,
        body: ProductDoc,
    },
    Release {
        at: String,
        body: ReleaseRequest,
        #[serde(default)]
        replace: bool,
    },
    Advisory {
        at: String,
        body: AdvisoryRequest,
    },
    Withdraw {
        at: String,
        id: String,
        body: WithdrawRequest,
    },
}

/// Loads the demo into an empty log; returns the number of entries appended.
pub async fn load(log: &Log) -> Result<u64, ApiError> {
    let file: DemoFile = serde_json::from_str(DATA).map_err(|e| ApiError::Internal {
        cause: format!("demo data: {e}"),
    })?;
    let at = |text: &str| {
        OffsetDateTime::parse(text, &Rfc3339).map_err(|e| ApiError::Internal {
            cause: format!("demo time {text}: {e}"),
        })
    };
    let mut appended = 0;
    for operation in file.operations {
        let acknowledged = match operation {
            Operation::Product { at: time, body } => {
                write::publish_product(log, &body, at(&time)?).await?
            }
            Operation::Release {
                at: time,
                mut body,
                replace,
            } => {
                if replace {
                    let live = log.store().releases(&body.product).await?;
                    let mut previous = None;
                    for stored in live {
                        let doc = crate::read::entry_doc(&stored)?;
                        if doc.fixed_version.as_deref() == Some(body.version.as_str()) {
                            previous = Some(doc.seq);
                        }
                    }
                    body.supersedes = previous;
                }
                write::publish_release(log, &body, at(&time)?).await?
            }
            Operation::Advisory { at: time, body } => {
                write::publish_advisory(log, &body, at(&time)?).await?
            }
            Operation::Withdraw { at: time, id, body } => {
                write::withdraw_advisory(log, &id, &body, at(&time)?).await?
            }
        };
        if acknowledged.created {
            appended += 1;
        }
    }
    Ok(appended)
}

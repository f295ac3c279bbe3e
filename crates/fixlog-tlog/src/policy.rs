//! C2SP tlog-policy: which logs and witnesses are trusted and which witness quorum a
//! checkpoint needs.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! group <name> <k|any|all> <member>...
//! quorum <name|none>
//! # comment
//! ```
//!
//! Fields are separated by spaces and tabs. Groups and the quorum may only name witnesses and
//! groups defined on earlier lines; there is exactly one quorum line.

use std::collections::{HashMap, HashSet};

use crate::checkpoint::parse_decimal;
use crate::keys::{KeyKind, Verifier};
use crate::note::NoteError;

/// Errors from parsing a policy file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A control character other than tab and newline.
    #[error("line {line}: control character")]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
    },
    /// A line that is not a valid `log`, `witness`, `group` or `quorum` line.
    #[error("line {line}: malformed {keyword:?} line")]
    MalformedLine {
        /// 1-based line number.
        line: usize,
        /// The first word of the line.
        keyword: String,
    },
    /// A vkey that does not parse.
    #[error("line {line}: {source}")]
    InvalidKey {
        /// 1-based line number.
        line: usize,
        /// Why the key was rejected.
        source: NoteError,
    },
    /// A log key that is not Ed25519 (0x01) or a witness key that is not cosignature/v1 (0x04).
    #[error("line {line}: wrong key type for its role")]
    WrongKeyType {
        /// 1-based line number.
        line: usize,
    },
    /// Two logs or two witnesses with the same public key.
    #[error("line {line}: duplicate key")]
    DuplicateKey {
        /// 1-based line number.
        line: usize,
    },
    /// A witness or group name that is already defined, or `none`.
    #[error("line {line}: name {name:?} already defined or reserved")]
    DuplicateName {
        /// 1-based line number.
        line: usize,
        /// The name.
        name: String,
    },
    /// A group member or quorum that names nothing defined on an earlier line.
    #[error("line {line}: undefined name {name:?}")]
    UndefinedName {
        /// 1-based line number.
        line: usize,
        /// The name.
        name: String,
    },
    /// A group threshold outside `1..=members`, or a member listed twice.
    #[error("line {line}: invalid group definition")]
    InvalidGroup {
        /// 1-based line number.
        line: usize,
    },
    /// No quorum line, or more than one.
    #[error("a policy needs exactly one quorum line")]
    QuorumCount,
}

/// A trusted log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLog {
    /// The log key; its name is the log's origin.
    pub key: Verifier,
    /// Optional URL.
    pub url: Option<String>,
}

/// A trusted witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    /// The policy-local name.
    pub name: String,
    /// The witness cosignature key.
    pub key: Verifier,
    /// Optional URL (the witness submission prefix).
    pub url: Option<String>,
}

/// A witness group: witnessed when at least `threshold` members are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyGroup {
    /// The policy-local name.
    pub name: String,
    /// `k` (`any` = 1, `all` = number of members).
    pub threshold: usize,
    /// Names of member witnesses and groups.
    pub members: Vec<String>,
}

/// A parsed policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Trusted logs.
    pub logs: Vec<PolicyLog>,
    /// Trusted witnesses.
    pub witnesses: Vec<PolicyWitness>,
    /// Witness groups in definition order.
    pub groups: Vec<PolicyGroup>,
    /// The witness or group that must witness a checkpoint; `None` for `quorum none`.
    pub quorum: Option<String>,
}

fn parse_key(text: &str, line: usize, kind: KeyKind) -> Result<Verifier, PolicyError> {
    let key =
        Verifier::from_vkey(text).map_err(|source| PolicyError::InvalidKey { line, source })?;
    if key.kind() != kind {
        return Err(PolicyError::WrongKeyType { line });
    }
    Ok(key)
}

/// Adds a witness or group name to the single namespace they share.
fn define(names: &mut HashSet<String>, name: &str, line: usize) -> Result<(), PolicyError> {
    if name == "none" || !names.insert(name.to_owned()) {
        return Err(PolicyError::DuplicateName {
            line,
            name: name.to_owned(),
        });
    }
    Ok(())
}

impl Policy {
    /// Parses a policy file.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let mut logs: Vec<PolicyLog> = Vec::new();
        let mut witnesses: Vec<PolicyWitness> = Vec::new();
        let mut groups: Vec<PolicyGroup> = Vec::new();
        let mut quorum: Option<Option<String>> = None;
        let mut names: HashSet<String> = HashSet::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            if raw.chars().any(|c| c.is_ascii_control() && c != '\t') {
                return Err(PolicyError::ControlCharacter { line });
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some((&keyword, args)) = words.split_first() else {
                continue;
            };
            if keyword.starts_with('#') {
                continue;
            }
            let malformed = || PolicyError::MalformedLine {
                line,
                keyword: keyword.to_owned(),
            };
            match (keyword, args) {
                ("log", [vkey, rest @ ..]) if rest.len() <= 1 => {
                    let key = parse_key(vkey, line, KeyKind::Ed25519)?;
                    if logs
                        .iter()
                        .any(|log| log.key.public_key() == key.public_key())
                    {
                        return Err(PolicyError::DuplicateKey { line });
                    }
                    logs.push(PolicyLog {
                        key,
                        url: rest.first().map(|u| (*u).to_owned()),
                    });
                }
                ("witness", [name, vkey, rest @ ..]) if rest.len() <= 1 => {
                    let key = parse_key(vkey, line, KeyKind::CosignatureV1)?;
                    if witnesses
                        .iter()
                        .any(|w| w.key.public_key() == key.public_key())
                    {
                        return Err(PolicyError::DuplicateKey { line });
                    }
                    define(&mut names, name, line)?;
                    witnesses.push(PolicyWitness {
                        name: (*name).to_owned(),
                        key,
                        url: rest.first().map(|u| (*u).to_owned()),
                    });
                }
                ("group", [name, threshold, members @ ..]) if !members.is_empty() => {
                    for member in members {
                        if !names.contains(*member) {
                            return Err(PolicyError::UndefinedName {
                                line,
                                name: (*member).to_owned(),
                            });
                        }
                    }
                    let unique: HashSet<&&str> = members.iter().collect();
                    let threshold = match *threshold {
                        "any" => 1,
                        "all" => members.len(),
                        k => parse_decimal(k).ok_or_else(malformed)? as usize,
                    };
                    if unique.len() != members.len() || !(1..=members.len()).contains(&threshold) {
                        return Err(PolicyError::InvalidGroup { line });
                    }
                    define(&mut names, name, line)?;
                    groups.push(PolicyGroup {
                        name: (*name).to_owned(),
                        threshold,
                        members: members.iter().map(|m| (*m).to_owned()).collect(),
                    });
                }
                ("quorum", [name]) => {
                    if quorum.is_some() {
                        return Err(PolicyError::QuorumCount);
                    }
                    if *name != "none" && !names.contains(*name) {
                        return Err(PolicyError::UndefinedName {
                            line,
                            name: (*name).to_owned(),
                        });
                    }
                    quorum = Some((*name != "none").then(|| (*name).to_owned()));
                }
                _ => return Err(malformed()),
            }
        }
        let quorum = quorum.ok_or(PolicyError::QuorumCount)?;
        Ok(Self {
            logs,
            witnesses,
            groups,
            quorum,
        })
    }

    /// Serializes the policy (one definition per line, no comments).
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let with_url = |line: String, url: &Option<String>| match url {
            Some(url) => format!("{line} {url}\n"),
            None => format!("{line}\n"),
        };
        for log in &self.logs {
            text.push_str(&with_url(format!("log {}", log.key), &log.url));
        }
        for witness in &self.witnesses {
            text.push_str(&with_url(
                format!("witness {} {}", witness.name, witness.key),
                &witness.url,
            ));
        }
        for group in &self.groups {
            text.push_str(&format!(
                "group {} {} {}\n",
                group.name,
                group.threshold,
                group.members.join(" ")
            ));
        }
        text.push_str(&format!(
            "quorum {}\n",
            self.quorum.as_deref().unwrap_or("none")
        ));
        text
    }

    /// The trusted log whose key name is `origin`, if any.
    pub fn log_for_origin(&self, origin: &str) -> impl Iterator<Item = &PolicyLog> {
        self.logs.iter().filter(move |log| log.key.name() == origin)
    }

    /// Whether the witnesses named in `witnessed` (policy-local names) satisfy the quorum.
    pub fn quorum_met(&self, witnessed: &HashSet<String>) -> bool {
        let Some(quorum) = &self.quorum else {
            return true;
        };
        // Groups only reference earlier names, so one pass in definition order suffices.
        let mut satisfied: HashMap<&str, bool> = self
            .witnesses
            .iter()
            .map(|w| (w.name.as_str(), witnessed.contains(&w.name)))
            .collect();
        for group in &self.groups {
            let count = group
                .members
                .iter()
                .filter(|m| satisfied.get(m.as_str()) == Some(&true))
                .count();
            satisfied.insert(group.name.as_str(), count >= group.threshold);
        }
        satisfied.get(quorum.as_str()) == Some(&true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W1: &str =
        "witness1.example.com/fwlog-test+084656c1+BKl+TmyHq/U1QybaQvSzLpOz92iPoVYyY6CCiwWtOKYl";
    const W2: &str =
        "witness2.example.com/fwlog-test+11c19719+BCFVCEY9zxqNeo9z3hM4BiSUQPwxGSi+W/2jBQgDBCNQ";
    const LOG: &str =
        "example.com/fwlog-test+9cf9ddb1+AQpgTk4QHYorK01Pw3rmQqdLJeq5Yk9Wf7KprnNNNL4S";

    #[test]
    fn invalid_policies_are_rejected() {
        let cases = [
            format!("witness A {W1}\n"),                           // no quorum
            format!("witness A {W1}\nquorum A\nquorum A\n"),       // two quorums
            format!("quorum A\nwitness A {W1}\n"),                 // forward reference
            format!("witness A {W1}\nwitness A {W2}\nquorum A\n"), // duplicate name
            format!("witness A {W1}\nwitness B {W1}\nquorum A\n"), // duplicate key
            format!("witness A {W1}\ngroup G 2 A\nquorum G\n"),    // k > n
            format!("witness A {W1}\ngroup G 1 A A\nquorum G\n"),  // member twice
            format!("witness none {W1}\nquorum none\n"),           // reserved name
            format!("witness A {LOG}\nquorum A\n"),                // log key as witness
            format!("log {W1}\nquorum none\n"),                    // witness key as log
            format!("witness A {W1}\ngroup G 01 A\nquorum G\n"),   // leading zero
            "frobnicate\nquorum none\n".to_owned(),
            "quorum none\r\n".to_owned(),
        ];
        for case in cases {
            assert!(Policy::parse(&case).is_err(), "{case}");
        }
    }

    #[test]
    fn nested_groups_and_round_trip() {
        let text = format!(
            "  # comment\nlog {LOG} https://log.example\n\twitness A {W1}\nwitness B {W2}\n\n\
             group G any A B\ngroup H all G A\nquorum H"
        );
        let policy = Policy::parse(&text).unwrap();
        assert_eq!(policy.groups[0].threshold, 1);
        assert_eq!(policy.groups[1].threshold, 2);
        let set = |names: &[&str]| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<HashSet<_>>()
        };
        assert!(policy.quorum_met(&set(&["A"])));
        assert!(!policy.quorum_met(&set(&["B"])));
        assert_eq!(Policy::parse(&policy.to_text()).unwrap(), policy);
        assert!(
            Policy::parse("quorum none")
                .unwrap()
                .quorum_met(&HashSet::new())
        );
    }
}

//! Stream filters of `establish-subscription` (RFC 8639 §2.2): a subtree filter (RFC 6241 §6
//! content-match nodes) or an XPath 1.0 expression, restricted to what a log subscriber needs.
//!
//! Both are evaluated on the content of `fwsec-log:firmware-security-update`, so a filter
//! selects exactly the notifications whose rendered nodes match. Supported XPath:
//!
//! ```text
//! /fwsec-log:firmware-security-update[PREDICATE]...
//! PREDICATE  := OR
//! OR         := AND ("or" AND)*
//! AND        := UNARY ("and" UNARY)*
//! UNARY      := "not(" OR ")" | "(" OR ")" | PATH OP LITERAL | LITERAL OP PATH
//! PATH       := one of sequence-number, kind, product, device-class, cve, supersedes,
//!               affected/product, affected/cve  (each step optionally prefixed "fwsec-log:")
//! OP         := = | != | < | <= | > | >=
//! LITERAL    := 'text' | "text" | number
//! ```
//!
//! Comparisons follow XPath node-set semantics: true when any node of the set satisfies them.
//! Identity values compare without their module prefix.

use serde_json::Value;

use crate::{MODULE, NOTIFICATION};

/// Why a filter cannot be evaluated; the text is the `filter-failure-hint`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{hint}")]
pub struct FilterUnsupported {
    /// Explains what is supported.
    pub hint: String,
}

fn unsupported(detail: impl std::fmt::Display) -> FilterUnsupported {
    FilterUnsupported {
        hint: format!(
            "{detail}; supported: content-match subtree filters and XPath predicates comparing \
             sequence-number, kind, product, device-class, cve, supersedes, affected/product or \
             affected/cve with a literal, combined with and/or/not()"
        ),
    }
}

/// The paths a filter may test.
const PATHS: &[&str] = &[
    "sequence-number",
    "kind",
    "product",
    "device-class",
    "cve",
    "supersedes",
    "affected/product",
    "affected/cve",
];

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn flip(self) -> Self {
        match self {
            Op::Lt => Op::Gt,
            Op::Le => Op::Ge,
            Op::Gt => Op::Lt,
            Op::Ge => Op::Le,
            other => other,
        }
    }
}

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// Every notification.
    All,
    /// A comparison of a node set with a literal.
    Compare {
        /// One of the supported paths, without prefixes.
        path: &'static str,
        /// The operator (node set on the left).
        op: Op,
        /// The literal.
        literal: Literal,
    },
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// Does not hold.
    Not(Box<Filter>),
}

/// A literal of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A string.
    Text(String),
    /// A number.
    Number(f64),
}

impl Filter {
    /// Parses a `stream-xpath-filter`.
    pub fn from_xpath(text: &str) -> Result<Self, FilterUnsupported> {
        Parser::new(text).filter()
    }

    /// Parses a `stream-subtree-filter` (the anydata content, RFC 7951 §5.5).
    pub fn from_subtree(value: &Value) -> Result<Self, FilterUnsupported> {
        let object = value
            .as_object()
            .ok_or_else(|| unsupported("a subtree filter is a JSON object"))?;
        let mut filter = Filter::All;
        for (name, content) in object {
            if name != &format!("{MODULE}:{NOTIFICATION}") {
                return Err(unsupported(format!(
                    "the subtree filter names {name:?}, which is not on this stream"
                )));
            }
            let content = content.as_object().ok_or_else(|| {
                unsupported("the notification node of a subtree filter is an object")
            })?;
            for (member, wanted) in content {
                let member = member.strip_prefix("fwsec-log:").unwrap_or(member);
                if member == "affected" {
                    let inner = match wanted {
                        Value::Array(items) if items.len() == 1 => &items[0],
                        other => other,
                    };
                    let inner = inner.as_object().ok_or_else(|| {
                        unsupported("\"affected\" must be an object of content-match nodes")
                    })?;
                    for (leaf, value) in inner {
                        let path = match leaf.strip_prefix("fwsec-log:").unwrap_or(leaf) {
                            "product" => "affected/product",
                            "cve" => "affected/cve",
                            other => {
                                return Err(unsupported(format!(
                                    "affected/{other} is not a supported node"
                                )));
                            }
                        };
                        filter = and(filter, content_match(path, value)?);
                    }
                    continue;
                }
                let path = PATHS.iter().find(|path| **path == member).ok_or_else(|| {
                    unsupported(format!("{member:?} is not a supported content-match node"))
                })?;
                filter = and(filter, content_match(path, wanted)?);
            }
        }
        Ok(filter)
    }

    /// Whether the content of a `firmware-security-update` notification matches.
    pub fn matches(&self, body: &Value) -> bool {
        match self {
            Filter::All => true,
            Filter::And(left, right) => left.matches(body) && right.matches(body),
            Filter::Or(left, right) => left.matches(body) || right.matches(body),
            Filter::Not(inner) => !inner.matches(body),
            Filter::Compare { path, op, literal } => nodes(body, path)
                .iter()
                .any(|node| compare(node, *op, literal)),
        }
    }
}

fn and(left: Filter, right: Filter) -> Filter {
    match left {
        Filter::All => right,
        left => Filter::And(Box::new(left), Box::new(right)),
    }
}

/// A content-match node: a scalar equality, or several values that must all be present.
fn content_match(path: &'static str, wanted: &Value) -> Result<Filter, FilterUnsupported> {
    let literal = |value: &Value| match value {
        Value::String(text) => Ok(Literal::Text(text.clone())),
        Value::Number(number) => Ok(Literal::Number(number.as_f64().unwrap_or(f64::NAN))),
        _ => Err(unsupported(format!(
            "{path}: only content-match nodes (values) are supported, not selection nodes"
        ))),
    };
    match wanted {
        Value::Array(values) if !values.is_empty() => {
            let mut filter = Filter::All;
            for value in values {
                filter = and(
                    filter,
                    Filter::Compare {
                        path,
                        op: Op::Eq,
                        literal: literal(value)?,
                    },
                );
            }
            Ok(filter)
        }
        value => Ok(Filter::Compare {
            path,
            op: Op::Eq,
            literal: literal(value)?,
        }),
    }
}

/// The string values of the nodes at `path` in a notification body.
fn nodes(body: &Value, path: &str) -> Vec<String> {
    let mut current = vec![body];
    for step in path.split('/') {
        let mut next = Vec::new();
        for value in current {
            match value.get(step) {
                Some(Value::Array(items)) => next.extend(items.iter()),
                Some(item) => next.push(item),
                None => {}
            }
        }
        current = next;
    }
    current
        .into_iter()
        .filter_map(|value| match value {
            Value::String(text) => Some(strip_identity(text).to_owned()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
        .collect()
}

fn strip_identity(text: &str) -> &str {
    text.strip_prefix("fwsec-log:")
        .or_else(|| text.strip_prefix("fwsl:"))
        .unwrap_or(text)
}

/// XPath 1.0 §3.4 comparison of one node's string value with a literal.
fn compare(node: &str, op: Op, literal: &Literal) -> bool {
    let numbers = |left: f64, right: f64| match op {
        Op::Eq => left == right,
        Op::Ne => left != right,
        Op::Lt => left < right,
        Op::Le => left <= right,
        Op::Gt => left > right,
        Op::Ge => left >= right,
    };
    match (op, literal) {
        (Op::Eq, Literal::Text(text)) => node == strip_identity(text),
        (Op::Ne, Literal::Text(text)) => node != strip_identity(text),
        (_, Literal::Text(text)) => numbers(to_number(node), to_number(text)),
        (_, Literal::Number(number)) => numbers(to_number(node), *number),
    }
}

fn to_number(text: &str) -> f64 {
    text.trim().parse().unwrap_or(f64::NAN)
}

/// A small recursive-descent parser for the XPath subset.
struct Parser<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, position: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start();
        self.position = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(token) {
            self.position += token.len();
            true
        } else {
            false
        }
    }

    /// Eats a keyword (`and`, `or`) only when it is a whole word.
    fn eat_word(&mut self, word: &str) -> bool {
        self.skip_space();
        let rest = self.rest();
        if rest.starts_with(word)
            && rest[word.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '(' || c == '\'' || c == '"')
        {
            self.position += word.len();
            true
        } else {
            false
        }
    }

    fn filter(&mut self) -> Result<Filter, FilterUnsupported> {
        if !self.eat("/") {
            return Err(unsupported(
                "the expression must start with /fwsec-log:firmware-security-update",
            ));
        }
        let name = self.name()?;
        if name != NOTIFICATION {
            return Err(unsupported(format!(
                "{name:?} is not a notification of this stream"
            )));
        }
        let mut filter = Filter::All;
        while self.eat("[") {
            let predicate = self.or()?;
            if !self.eat("]") {
                return Err(unsupported(format!("expected ']' at {:?}", self.rest())));
            }
            filter = and(filter, predicate);
        }
        self.skip_space();
        if !self.rest().is_empty() {
            return Err(unsupported(format!(
                "unsupported syntax at {:?}",
                self.rest()
            )));
        }
        Ok(filter)
    }

    /// A node name with an optional `fwsec-log:` (or `fwsl:`) prefix.
    fn name(&mut self) -> Result<String, FilterUnsupported> {
        self.skip_space();
        let length = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
            .unwrap_or(self.rest().len());
        let qname = &self.rest()[..length];
        if qname.is_empty() {
            return Err(unsupported(format!(
                "expected a node name at {:?}",
                self.rest()
            )));
        }
        self.position += length;
        let name = match qname.split_once(':') {
            Some(("fwsec-log" | "fwsl", name)) => name,
            Some((prefix, _)) => {
                return Err(unsupported(format!(
                    "prefix {prefix:?} is not the fwsec-log module"
                )));
            }
            None => qname,
        };
        Ok(name.to_owned())
    }

    fn or(&mut self) -> Result<Filter, FilterUnsupported> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterUnsupported> {
        let mut left = self.unary()?;
        while self.eat_word("and") {
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterUnsupported> {
        if self.eat("not(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(unsupported("expected ')' after not("));
            }
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(unsupported("expected ')'"));
            }
            return Ok(inner);
        }
        if let Some(literal) = self.literal()? {
            let op = self.op()?;
            let path = self.path()?;
            return Ok(Filter::Compare {
                path,
                op: op.flip(),
                literal,
            });
        }
        let path = self.path()?;
        let op = self.op()?;
        let literal = self
            .literal()?
            .ok_or_else(|| unsupported(format!("expected a literal at {:?}", self.rest())))?;
        Ok(Filter::Compare { path, op, literal })
    }

    fn path(&mut self) -> Result<&'static str, FilterUnsupported> {
        let mut steps = vec![self.name()?];
        while self.eat("/") {
            steps.push(self.name()?);
        }
        let joined = steps.join("/");
        PATHS
            .iter()
            .find(|path| **path == joined)
            .copied()
            .ok_or_else(|| unsupported(format!("the path {joined:?} is not supported")))
    }

    fn op(&mut self) -> Result<Op, FilterUnsupported> {
        for (token, op) in [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ] {
            if self.eat(token) {
                return Ok(op);
            }
        }
        Err(unsupported(format!(
            "expected a comparison at {:?}",
            self.rest()
        )))
    }

    fn literal(&mut self) -> Result<Option<Literal>, FilterUnsupported> {
        self.skip_space();
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return Ok(None);
        };
        if first == '\'' || first == '"' {
            let end = rest[1..]
                .find(first)
                .ok_or_else(|| unsupported("unterminated string literal"))?;
            let text = rest[1..1 + end].to_owned();
            self.position += end + 2;
            return Ok(Some(Literal::Text(text)));
        }
        if first.is_ascii_digit() {
            let length = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let number = rest[..length]
                .parse()
                .map_err(|_| unsupported(format!("bad number {:?}", &rest[..length])))?;
            self.position += length;
            return Ok(Some(Literal::Number(number)));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"sequence-number": 42, "kind": "release", "product": "plc-x500",
               "device-class": ["plc"], "cve": ["CVE-2026-50412", "CVE-2026-50413"],
               "affected": [{"product": "plc-x500", "cve": ["CVE-2026-50412"]}]})
    }

    #[test]
    fn xpath_predicates_select_by_node_set_semantics() {
        let cases = [
            ("/fwsec-log:firmware-security-update", true),
            (
                "/fwsec-log:firmware-security-update[fwsec-log:sequence-number > 41]",
                true,
            ),
            (
                "/fwsec-log:firmware-security-update[fwsec-log:sequence-number > 42]",
                false,
            ),
            (
                "/fwsec-log:firmware-security-update[41 < sequence-number]",
                true,
            ),
            (
                "/fwsec-log:firmware-security-update[fwsec-log:device-class='fwsec-log:plc']",
                true,
            ),
            (
                "/fwsec-log:firmware-security-update[device-class='hmi']",
                false,
            ),
            (
                "/fwsec-log:firmware-security-update[cve='CVE-2026-50413' and product='plc-x500']",
                true,
            ),
            (
                "/fwsec-log:firmware-security-update[cve='CVE-1' or product=\"plc-x500\"]",
                true,
            ),
            (
                "/fwsec-log:firmware-security-update[not(kind='release')]",
                false,
            ),
            (
                "/fwsec-log:firmware-security-update[affected/cve='CVE-2026-50412'][sequence-number>=42]",
                true,
            ),
        ];
        for (xpath, expected) in cases {
            let filter = Filter::from_xpath(xpath).unwrap_or_else(|e| panic!("{xpath}: {e}"));
            assert_eq!(filter.matches(&body()), expected, "{xpath}");
        }
    }

    #[test]
    fn unsupported_xpath_is_refused_with_a_hint() {
        for xpath in [
            "/other:notification",
            "/fwsec-log:firmware-security-update[count(cve) > 1]",
            "/fwsec-log:firmware-security-update[image/name='x']",
            "//cve",
        ] {
            let error = Filter::from_xpath(xpath).unwrap_err();
            assert!(error.hint.contains("supported:"), "{xpath}: {error}");
        }
    }

    #[test]
    fn subtree_content_match_nodes_are_anded() {
        let filter = Filter::from_subtree(&json!({"fwsec-log:firmware-security-update":
            {"product": "plc-x500", "cve": ["CVE-2026-50412", "CVE-2026-50413"]}}))
        .unwrap();
        assert!(filter.matches(&body()));
        let filter = Filter::from_subtree(&json!({"fwsec-log:firmware-security-update":
            {"device-class": "fwsec-log:hmi"}}))
        .unwrap();
        assert!(!filter.matches(&body()));
        assert!(
            Filter::from_subtree(&json!({"fwsec-log:firmware-security-update": {"image": {}}}))
                .is_err()
        );
    }
}

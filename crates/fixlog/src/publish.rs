//! `fixlog publish …`: client side of the write API.

use std::path::Path;

use fixlog_api::{ImageDoc, Problem, PublishResponse, ReleaseRequest};
use serde_json::json;

use crate::Failure;
use crate::cli::{FileArgs, ReleaseArgs, ServerArgs};
use crate::hashing::digest_file;

fn client() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .user_agent(concat!("fixlog/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(|error| Failure::operational(format!("HTTP client: {error}")))
}

fn token(server: &ServerArgs) -> Result<&str, Failure> {
    server
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Failure::operational("FIXLOG_TOKEN is not set (create one with `fixlog token create`)")
        })
}

/// POSTs `body` and maps the answer: 2xx → the response, 409 → exit 1, anything else → exit 2.
async fn post(
    server: &ServerArgs,
    path: &str,
    body: &serde_json::Value,
) -> Result<PublishResponse, Failure> {
    let url = format!("{}{path}", server.server.trim_end_matches('/'));
    let response = client()?
        .post(&url)
        .bearer_auth(token(server)?)
        .json(body)
        .send()
        .await
        .map_err(|error| Failure::operational(format!("--server {}: {error}", server.server)))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|error| Failure::operational(format!("--server {}: {error}", server.server)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|error| Failure::operational(format!("{url}: unexpected answer: {error}")));
    }
    let message = match serde_json::from_slice::<Problem>(&bytes) {
        Ok(problem) => match &problem.field {
            Some(field) => format!("{} ({status}, field {field})", problem.detail),
            None => format!("{} ({status})", problem.detail),
        },
        Err(_) => format!("{url}: HTTP {status}"),
    };
    if status.as_u16() == 409 {
        Err(Failure::finding(format!("conflict: {message}")))
    } else {
        Err(Failure::operational(message))
    }
}

fn report(response: &PublishResponse, json_output: bool) {
    if json_output {
        println!(
            "{}",
            serde_json::to_string_pretty(response).expect("responses serialize")
        );
    } else {
        println!("{}", response.seq);
        eprintln!(
            "fixlog: entry {} {} (checkpoint {}); proof: {}",
            response.seq, response.status, response.checkpoint_size, response.proof
        );
    }
}

/// `fixlog publish release`.
pub async fn release(args: ReleaseArgs) -> Result<(), Failure> {
    if args.url.is_some() && args.images.len() != 1 {
        return Err(Failure::operational("--url applies to exactly one --image"));
    }
    let mut images = Vec::new();
    for path in &args.images {
        let path_owned = path.clone();
        let digests = tokio::task::spawn_blocking(move || digest_file(&path_owned))
            .await
            .map_err(|error| Failure::operational(format!("hashing: {error}")))?
            .map_err(|error| {
                Failure::operational(format!("--image {}: {error}", path.display()))
            })?;
        images.push(ImageDoc {
            name: file_name(path)?,
            size: digests.size,
            sha256: digests.sha256,
            sha3_256: Some(digests.sha3_256),
            sha512: None,
            url: args.url.clone(),
        });
    }
    let request = ReleaseRequest {
        product: args.product.clone(),
        version: args.version.clone(),
        release_date: args.released.clone(),
        images,
        fixes: {
            let mut fixes = args.fixes.clone();
            for spec in &args.fixes_from {
                fixes.extend(crate::import::fixes_from(spec, &args.version).await?);
            }
            fixes.sort();
            fixes.dedup();
            fixes
        },
        supersedes: args.supersedes,
    };
    let body = serde_json::to_value(&request).expect("requests serialize");
    let response = post(&args.server, "/api/v1/releases", &body).await?;
    if let Some(path) = &args.receipt {
        let receipt = json!({
            "server": args.server.server,
            "seq": response.seq,
            "status": response.status,
            "checkpoint_size": response.checkpoint_size,
            "proof": format!("{}{}", args.server.server.trim_end_matches('/'), response.proof),
            "digests": response.entry.images,
            "fixes": response.entry.cves,
            "entry": response.entry,
        });
        std::fs::write(
            path,
            serde_json::to_vec_pretty(&receipt).expect("receipts serialize"),
        )
        .map_err(|error| Failure::operational(format!("--receipt {}: {error}", path.display())))?;
    }
    report(&response, args.json);
    Ok(())
}

fn file_name(path: &Path) -> Result<String, Failure> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            Failure::operational(format!("--image {}: no usable file name", path.display()))
        })
}

fn read_json(path: &Path) -> Result<serde_json::Value, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Failure::operational(format!("--file {}: {error}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|error| Failure::operational(format!("--file {}: {error}", path.display())))
}

/// `fixlog publish advisory`.
pub async fn advisory(args: FileArgs) -> Result<(), Failure> {
    let body = read_json(&args.file)?;
    let response = post(&args.server, "/api/v1/advisories", &body).await?;
    report(&response, args.json);
    Ok(())
}

/// `fixlog publish product`.
pub async fn product(args: FileArgs) -> Result<(), Failure> {
    let body = read_json(&args.file)?;
    let response = post(&args.server, "/api/v1/products", &body).await?;
    report(&response, args.json);
    Ok(())
}

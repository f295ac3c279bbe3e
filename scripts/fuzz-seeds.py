#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets in fuzz/ from ../shared/data and fuzz/seeds/.

    scripts/fuzz-seeds.py OUT_DIR

writes OUT_DIR/<target>/<sha1 of the seed> for every target. Inputs of targets that take a
selector byte (see each target's doc comment) get that byte prepended. Seeds larger than
MAX_SEED bytes are left out so that libFuzzer's input length stays small.
"""

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CURATED = ROOT / "fuzz" / "seeds"
MAX_SEED = 64 * 1024

# Order of fixlog_model::VersionScheme::ALL: the selector byte of version targets.
SCHEMES = ["semver", "dotted", "v-dotted", "service-pack", "release-train", "calver", "padded"]
# The fixture's scheme names → fixlog's.
FIXTURE_SCHEMES = {
    "acme-vsemver": "v-dotted",
    "acme-fourpart": "dotted",
    "acme-servicepack": "service-pack",
    "acme-releasetrain": "release-train",
    "acme-calver": "calver",
    "acme-padded": "padded",
}


class Corpus:
    """Seeds per target, deduplicated by content."""

    def __init__(self, out: Path):
        self.out = out
        self.counts: dict[str, int] = {}

    def add(self, target: str, data, selector: int | None = None) -> None:
        if isinstance(data, str):
            data = data.encode()
        if selector is not None:
            data = bytes([selector]) + data
        if len(data) > MAX_SEED:
            return
        directory = self.out / target
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / hashlib.sha1(data).hexdigest()
        if not path.exists():
            path.write_bytes(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def walk(value):
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def load(path: Path):
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def fixture(corpus: Corpus) -> None:
    data = load(DATA / "fixtures" / "acme-ics.json")
    patterns = {
        FIXTURE_SCHEMES[name]: re.compile(scheme["regex"])
        for name, scheme in data["version_schemes"].items()
    }
    scheme_of = {line["id"]: FIXTURE_SCHEMES[line["version_scheme"]] for line in data["product_lines"]}
    for line in data["product_lines"]:
        scheme = scheme_of[line["id"]]
        selector = SCHEMES.index(scheme)
        for text in walk(line):
            if patterns[scheme].match(text):
                corpus.add("version", text, selector)
                corpus.add("version", text, SCHEMES.index("semver"))
    for advisory in data["advisories"]:
        corpus.add("ids", advisory["id"], 3)
        for revision in advisory["revisions"]:
            corpus.add("ids", revision["date"], 7)
            for status in revision["product_status"]:
                scheme = scheme_of[status["product_line"]]
                corpus.add("ids", status["product_line"], 2)
                for cve in status["cves"]:
                    corpus.add("ids", cve, 0)
                for bounds in status.get("ranges") or []:
                    lines = [bounds.get(key) or "" for key in ("introduced", "fixed", "last_affected", "limit")]
                    corpus.add("version_range", "\n".join(lines), SCHEMES.index(scheme))
                    if bounds.get("vers"):
                        corpus.add("vers_range", bounds["vers"], SCHEMES.index("dotted"))
                if status.get("vendor_text"):
                    corpus.add("vers_range", status["vendor_text"], SCHEMES.index(scheme))
    for vulnerability in data["vulnerabilities"]:
        corpus.add("ids", vulnerability["cve"], 0)
        if vulnerability.get("cwe"):
            corpus.add("ids", vulnerability["cwe"], 1)
        for key, value in vulnerability.items():
            if key.startswith("cvss") and isinstance(value, dict) and value.get("vector"):
                corpus.add("cvss", value["vector"])
    for text in walk(data):
        if re.fullmatch(r"[0-9a-f]{64}", text):
            corpus.add("ids", text, 4)
        elif re.fullmatch(r"[0-9a-f]{128}", text):
            corpus.add("ids", text, 6)


def csaf(corpus: Corpus) -> None:
    documents = sorted((DATA / "csaf-real" / "advisories").glob("*.json"))
    documents += sorted((DATA / "csaf" / "csaf_2.0").rglob("*.json"))
    for path in documents:
        raw = path.read_bytes()
        try:
            document = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(document, dict) or "document" not in document:
            continue
        corpus.add("csaf", raw)
        for text in walk(document):
            if text.startswith(("CVSS:3.1/", "CVSS:4.0/")):
                corpus.add("cvss", text)
            elif re.fullmatch(r"CVE-\d{4}-\d{4,}", text):
                corpus.add("ids", text, 0)
            elif re.fullmatch(r"CWE-\d+", text):
                corpus.add("ids", text, 1)
        for branch in branches(document.get("product_tree", {})):
            name = branch.get("name", "")
            if branch.get("category") == "product_version_range":
                for selector in (SCHEMES.index("dotted"), SCHEMES.index("semver"), SCHEMES.index("v-dotted")):
                    corpus.add("vers_range", name, selector)
            elif branch.get("category") == "product_version":
                corpus.add("version", name, SCHEMES.index("dotted"))


def branches(node):
    for branch in node.get("branches", []) if isinstance(node, dict) else []:
        yield branch
        yield from branches(branch)


def tlog(corpus: Corpus) -> None:
    folder = DATA / "tlog"
    notes = load(folder / "note-vectors.json")
    for case in notes["notes"]:
        corpus.add("note", case["note"])
        corpus.add("checkpoint", case["note"])
    for case in notes["checkpoint_parse"]:
        corpus.add("checkpoint", case["text"])
    bundle = load(folder / "proof-bundle-vectors.json")
    for name in ("checkpoint_3", "checkpoint_5"):
        corpus.add("checkpoint", bundle[name])
        corpus.add("note", bundle[name])
    corpus.add("witness_request", bundle["witness_add_checkpoint_request_3_to_5"])
    corpus.add("tlog_proof", bundle["tlog_proof_entry_2"])
    corpus.add("tlog_proof", (folder / "example-entry-2.tlog-proof").read_bytes())
    for case in bundle["negative"]:
        if "tlog_proof" in case:
            corpus.add("tlog_proof", case["tlog_proof"])
    corpus.add("policy", bundle["policy"])
    corpus.add("policy", (folder / "example-policy.txt").read_bytes())
    # Entry bundle of the five example entries (u16 big-endian length ‖ entry).
    entries = [entry["entry"].encode() for entry in bundle["entries"]]
    corpus.add("tile", b"".join(len(e).to_bytes(2, "big") + e for e in entries), 1)
    tiles = load(folder / "tiles-vectors.json")
    for case in tiles["index_paths"]:
        corpus.add("tile", f"tile/0/{case['path']}", 0)
        corpus.add("tile", f"tile/entries/{case['path']}.p/7", 0)
    for case in tiles["tile_sets"]:
        for path in case["rightmost_per_level"]:
            corpus.add("tile", path, 0)
    level0 = bytes.fromhex(bundle["level0_tile_000_p_5"])
    corpus.add("tile", (5).to_bytes(2, "little") + level0, 2)


def yang(corpus: Corpus) -> None:
    for path in sorted((DATA / "yang").glob("example-*rpc.json")) + [
        DATA / "yang" / "example-restconf-establish-subscription-input.json"
    ]:
        corpus.add("restconf_rpc", path.read_bytes())


def trackers(corpus: Corpus) -> None:
    folder = DATA / "trackers"
    for path in sorted(folder.glob("jira/*.json")):
        selector = 2 if path.name == "field-list.json" else 1 if "datacenter" in path.name or "v2" in path.name else 0
        corpus.add("tracker_pages", path.read_bytes(), selector)
    for path in sorted(folder.glob("bugzilla/*.json")):
        corpus.add("tracker_pages", path.read_bytes(), 3)
    for path in sorted(folder.glob("gitlab/*.json")):
        corpus.add("tracker_pages", path.read_bytes(), 4)


def cvss_doc(vector: str, score: float) -> dict:
    """The entry's CVSS object: vector, base score and severity band (CVSS v3.1 §5)."""
    if score == 0.0:
        severity = "none"
    elif score < 4.0:
        severity = "low"
    elif score < 7.0:
        severity = "medium"
    elif score < 9.0:
        severity = "high"
    else:
        severity = "critical"
    return {"vector": vector, "score": score, "severity": severity}


def entries(corpus: Corpus) -> None:
    """Entry documents (canonical JSON) from the demo operations, as the server renders them.

    The demo file holds the request bodies the demo publishes; each becomes the entry shape of
    fixlog_formats::EntryDoc. Scores come from the fixture (the server computes them)."""
    fixture_data = load(DATA / "fixtures" / "acme-ics.json")
    scores = {}
    for vulnerability in fixture_data["vulnerabilities"]:
        for key in ("cvss_v31", "cvss_v40"):
            if vulnerability.get(key):
                scores[vulnerability[key]["vector"]] = vulnerability[key]["base_score"]
    demo = load(ROOT / "crates" / "fixlog-server" / "demo" / "acme-ics.json")
    statements: dict[str, list] = {}
    for seq, operation in enumerate(demo["operations"], start=1):
        body = operation["body"]
        published = operation["at"].replace("Z", ".000000Z")
        entry = {"seq": seq, "published": published, "cves": [], "affected": [], "images": []}
        if operation["op"] == "product":
            entry.update(kind="product", product=body["id"], product_record=body)
        elif operation["op"] == "release":
            entry.update(kind="release", product=body["product"], cves=body["fixes"],
                         fixed_version=body["version"], release_date=body["release_date"],
                         images=body["images"],
                         affected=[s for s in statements.get(body["product"], [])
                                   if set(s["cves"]) & set(body["fixes"])])
        elif operation["op"] == "advisory":
            affected = []
            for statement in body["products"]:
                statement = dict(statement)
                statement["ranges"] = [dict(r) for r in statement.get("ranges", [])]
                affected.append(statement)
                statements.setdefault(statement["product"], []).append(statement)
            vulnerabilities = []
            for cve in body["cves"]:
                cve = dict(cve)
                for key in ("cvss_v31", "cvss_v40"):
                    if isinstance(cve.get(key), str) and cve[key] in scores:
                        cve[key] = cvss_doc(cve[key], scores[cve[key]])
                    elif isinstance(cve.get(key), str):
                        del cve[key]
                vulnerabilities.append(cve)
            advisory = {k: body[k] for k in ("id", "title", "revision", "mitigations", "references", "known_exploited")}
            advisory["vulnerabilities"] = vulnerabilities
            entry.update(kind="advisory", cves=[c["id"] for c in body["cves"]], affected=affected,
                         advisory=advisory)
        else:
            continue
        text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        corpus.add("entry", text)
        corpus.add("canonical_json", text)
        corpus.add("restconf_notification", text, 1)


def curated(corpus: Corpus) -> None:
    """fuzz/seeds/<target>/<file>: files whose name starts with `sel<N>-` get selector N."""
    for path in sorted(CURATED.glob("*/*")):
        match = re.match(r"sel(\d+)-", path.name)
        corpus.add(path.parent.name, path.read_bytes(), int(match.group(1)) if match else None)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    corpus = Corpus(Path(sys.argv[1]))
    fixture(corpus)
    csaf(corpus)
    tlog(corpus)
    yang(corpus)
    trackers(corpus)
    entries(corpus)
    curated(corpus)
    for target, count in sorted(corpus.counts.items()):
        print(f"{target:24} {count:5} new seeds")


if __name__ == "__main__":
    main()

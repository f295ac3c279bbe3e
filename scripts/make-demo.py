#!/usr/bin/env python3
"""Convert the fictional acme-ics fixture into the fixlog server's built-in demo data set.

Usage:
    python3 scripts/make-demo.py [FIXTURE] [--out FILE]

FIXTURE defaults to ../shared/data/fixtures/acme-ics.json relative to the repository root
(the parent of this script's folder). The result goes to stdout, or to FILE with --out.

Everything in the fixture is invented (ACME Industrial Controls, its products, firmware,
advisories and CVE ids); the output keeps the top-level "fictional": true flag.

The output is byte-for-byte deterministic: standard library only, no clock, no randomness,
json.dumps(indent=1, ensure_ascii=False, sort_keys=False) plus a trailing newline.

Operations (sorted by "at", then products < releases < advisories/withdrawals, then fixture
order):
  product   -> body is a POST-able product record; "at" is the lifecycle `announced` date
               (or the first firmware release date). A product whose lifecycle state changed
               on or before the fixture's reference date gets one more operation per change.
  release   -> one per firmware image revision; "at" is the image's `published` date. Image
               bytes are regenerated from `content_recipe` and checked against the fixture's
               sha256/sha512; sha3_256 is computed. A later image revision of the same version
               carries "replace": true (operation level) so the loader supersedes the earlier
               live release.
  advisory  -> one per non-withdrawn advisory revision (each revision is a full snapshot).
  withdraw  -> one per revision with status "withdrawn".
"""

import argparse
import hashlib
import json
import os
import struct
import sys
from collections import Counter

SOURCE = "converted from acme-ics fixture by scripts/make-demo.py"

DEVICE_CLASS = {
    "PLC": "plc",
    "DCS controller": "dcs",
    "HMI panel": "hmi",
    "RTU": "rtu",
    "Edge gateway": "gateway",
    "Safety relay": "protection_relay",
}

VERSION_SCHEME = {
    "acme-vsemver": "v-dotted",
    "acme-fourpart": "dotted",
    "acme-servicepack": "service-pack",
    "acme-releasetrain": "release-train",
    "acme-calver": "calver",
    "acme-padded": "padded",
}

LIFECYCLE_STATES = ("active", "mainstream_support", "extended_support", "end_of_life")

# Fallback wording for a remediation whose `details` is null (none in fixture 1.0.0).
REMEDIATION_DETAILS = {
    "vendor_fix": "Update to the fixed version or later.",
    "fix_planned": "A fix is planned; apply the mitigations in the meantime.",
    "no_fix_planned": "No fix is planned; apply the mitigations.",
    "none_available": "No remediation is available; apply the mitigations.",
    "mitigation": "Apply the mitigations described in this advisory.",
    "workaround": "Apply the workaround described in this advisory.",
}

# Sort rank of an operation among operations with the same "at".
RANK = {"product": 0, "release": 1, "advisory": 2, "withdraw": 2}


class ConversionError(Exception):
    """The fixture does not convert cleanly."""


def fail(message):
    raise ConversionError(message)


def at(date):
    if not (isinstance(date, str) and len(date) == 10 and date[4] == "-" and date[7] == "-"):
        fail(f"not a YYYY-MM-DD date: {date!r}")
    return f"{date}T09:00:00Z"


def image_bytes(seed, size):
    """concat(SHA-256(seed_utf8 || uint32_be(i)) for i = 0,1,2,...) truncated to size."""
    seed_bytes = seed.encode("utf-8")
    chunks = []
    have = 0
    i = 0
    while have < size:
        block = hashlib.sha256(seed_bytes + struct.pack(">I", i)).digest()
        chunks.append(block)
        have += len(block)
        i += 1
    return b"".join(chunks)[:size]


def put(obj, key, value):
    """Set obj[key] unless value is None (optional fields are omitted, not null)."""
    if value is not None:
        obj[key] = value


# --------------------------------------------------------------------------- products


def lifecycle_doc(lc, state):
    doc = {"state": state}
    put(doc, "mainstream_support_end", lc.get("mainstream_support_end"))
    put(doc, "extended_support_end", lc.get("extended_support_end"))
    put(doc, "end_of_life", lc.get("end_of_life"))
    return doc


def lifecycle_history(pl, reference_date):
    """[(date, state)] for a product line: its state when announced, then each change the
    fixture dates on or before the reference date. The last state must be the fixture's."""
    lc = pl["lifecycle"]
    final = lc["state"]
    if final not in LIFECYCLE_STATES:
        fail(f"{pl['id']}: unknown lifecycle state {final!r}")
    announced = lc.get("announced")
    if announced is None:
        dates = sorted(fw["release_date"] for fw in pl["firmware"])
        if not dates:
            fail(f"{pl['id']}: no announced date and no firmware")
        announced = dates[0]

    # The fixture's convention (rtu-fl3: extended_support_end == end_of_life == 2026-06-30)
    # is that a state changes on the date its predecessor's end date names.
    changes = []
    mse = lc.get("mainstream_support_end")
    eol = lc.get("end_of_life")
    if mse is not None and mse <= reference_date and (eol is None or mse < eol):
        changes.append((mse, "extended_support"))
    if eol is not None and eol <= reference_date:
        changes.append((eol, "end_of_life"))
    changes = [c for c in changes if c[0] > announced]

    if not changes:
        return [(announced, final)]
    # Before the first dated change the line was supported; the only pre-change phase the
    # fixture dates is mainstream support (it gives no date for an earlier "active" phase).
    history = [(announced, "mainstream_support")] + changes
    if history[-1][1] != final:
        fail(f"{pl['id']}: lifecycle dates imply {history[-1][1]!r}, fixture says {final!r}")
    return history


def product_ops(pl, reference_date):
    category = pl["category"]
    if category not in DEVICE_CLASS:
        fail(f"{pl['id']}: unmapped category {category!r}")
    scheme = pl["version_scheme"]
    if scheme not in VERSION_SCHEME:
        fail(f"{pl['id']}: unmapped version scheme {scheme!r}")
    models = [f"{m['model']} ({m['order_number']})" for m in pl["models"]]
    ops = []
    for date, state in lifecycle_history(pl, reference_date):
        body = {
            "id": pl["id"],
            "name": pl["name"],
            "models": models,
            "device_class": DEVICE_CLASS[category],
            "version_scheme": VERSION_SCHEME[scheme],
            "lifecycle": lifecycle_doc(pl["lifecycle"], state),
        }
        ops.append({"op": "product", "at": at(date), "body": body})
    return ops


# --------------------------------------------------------------------------- releases


def image_doc(pl_id, fw, im):
    where = f"{pl_id} {fw['version']} image revision {im['image_revision']}"
    recipe = im.get("content_recipe") or {}
    seed = recipe.get("seed")
    expected_seed = f"acme-ics-fixture/v1|{pl_id}|{fw['version']}|{im['image_revision']}"
    if seed != expected_seed:
        fail(f"{where}: content_recipe seed {seed!r}, expected {expected_seed!r}")
    size = im["size_bytes"]
    data = image_bytes(seed, size)
    if len(data) != size:
        fail(f"{where}: generated {len(data)} bytes, expected {size}")
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != im["sha256"]:
        fail(f"{where}: SHA-256 mismatch: computed {sha256}, fixture {im['sha256']}")
    sha512 = hashlib.sha512(data).hexdigest()
    if im.get("sha512") is not None and sha512 != im["sha512"]:
        fail(f"{where}: SHA-512 mismatch: computed {sha512}, fixture {im['sha512']}")
    doc = {
        "name": im["filename"],
        "size": size,
        "sha256": sha256,
        "sha3_256": hashlib.sha3_256(data).hexdigest(),
    }
    put(doc, "sha512", im.get("sha512"))
    return doc


def release_ops(pl):
    ops = []
    for fw in pl["firmware"]:
        # One release per image revision; a revision may in principle hold several files.
        revisions = []
        for im in fw["images"]:
            if not revisions or revisions[-1][0] != im["image_revision"]:
                revisions.append((im["image_revision"], []))
            revisions[-1][1].append(im)
        if [r for r, _ in revisions] != sorted({r for r, _ in revisions}):
            fail(f"{pl['id']} {fw['version']}: image revisions out of order")
        for index, (rev, images) in enumerate(revisions):
            published = {im["published"] for im in images}
            if len(published) != 1:
                fail(f"{pl['id']} {fw['version']} r{rev}: images published on different dates")
            body = {
                "product": pl["id"],
                "version": fw["version"],
                "release_date": fw["release_date"],
                "images": [image_doc(pl["id"], fw, im) for im in images],
                "fixes": list(fw["security_fixes"]),
            }
            op = {"op": "release", "at": at(published.pop())}
            if index > 0:
                earlier = revisions[index - 1][1]
                if not all(im.get("withdrawn") for im in earlier):
                    fail(f"{pl['id']} {fw['version']} r{rev}: replaces an image not withdrawn")
                op["replace"] = True
            op["body"] = body
            ops.append(op)
    return ops


# --------------------------------------------------------------------------- advisories


def statement_doc(adv_id, ps):
    doc = {
        "product": ps["product_line"],
        "status": ps["status"],
        "cves": list(ps["cves"]),
        "ranges": [{k: v for k, v in r.items() if k != "vers" and v is not None}
                   for r in ps["ranges"]],
    }
    put(doc, "scope", ps.get("scope"))
    put(doc, "vendor_text", ps.get("vendor_text"))
    rem = ps.get("remediation")
    if rem is not None:
        category = rem["category"]
        if category not in REMEDIATION_DETAILS:
            fail(f"{adv_id}: unknown remediation category {category!r}")
        r = {"category": category}
        put(r, "fixed_version", rem.get("fixed_version"))
        details = rem.get("details")
        if details is None:
            details = REMEDIATION_DETAILS[category]
            if category == "vendor_fix" and rem.get("fixed_version"):
                details = f"Update to {rem['fixed_version']} or later."
        r["details"] = details
        doc["remediation"] = r
    return doc


def advisory_ops(adv, vulns):
    cves = []
    for cve_id in adv["cves"]:
        if cve_id not in vulns:
            fail(f"{adv['id']}: {cve_id} missing from vulnerabilities")
        v = vulns[cve_id]
        c = {"id": cve_id}
        put(c, "title", v.get("title"))
        put(c, "cwe", v.get("cwe"))
        put(c, "cvss_v31", (v.get("cvss_v31") or {}).get("vector"))
        cves.append(c)

    ops = []
    for rev in adv["revisions"]:
        if rev["status"] == "withdrawn":
            ops.append({
                "op": "withdraw",
                "at": at(rev["date"]),
                "id": adv["id"],
                "body": {"reason": rev["summary"], "date": rev["date"]},
            })
            continue
        body = {
            "id": adv["id"],
            "title": adv["title"],
            "cves": cves,
            "products": [statement_doc(adv["id"], ps) for ps in rev["product_status"]],
            "mitigations": list(adv.get("mitigations") or []),
            "known_exploited": bool(adv.get("known_exploited")),
            "references": [],
            "revision": {"number": rev["number"], "date": rev["date"], "summary": rev["summary"]},
        }
        ops.append({"op": "advisory", "at": at(rev["date"]), "body": body})
    return ops


# --------------------------------------------------------------------------- main


def convert(fixture):
    if fixture.get("fictional") is not True:
        fail("fixture is not flagged fictional")
    reference_date = fixture["reference_date"]
    vulns = {v["cve"]: v for v in fixture["vulnerabilities"]}

    ops = []
    for pl in fixture["product_lines"]:
        ops.extend(product_ops(pl, reference_date))
    for pl in fixture["product_lines"]:
        ops.extend(release_ops(pl))
    for adv in fixture["advisories"]:
        ops.extend(advisory_ops(adv, vulns))

    # Stable: the generation order above is the fixture order.
    order = sorted(range(len(ops)), key=lambda i: (ops[i]["at"], RANK[ops[i]["op"]], i))
    ops = [ops[i] for i in order]

    check_counts(fixture, ops)
    man = fixture["manufacturer"]
    return {
        "fictional": True,
        "source": SOURCE,
        "vendor": {"name": man["name"], "psirt": man["psirt"]},
        "operations": ops,
    }


def check_counts(fixture, ops):
    counts = Counter(op["op"] for op in ops)
    expected = fixture.get("expected", {}).get("counts", {})
    lines = fixture["product_lines"]
    images = sum(len(fw["images"]) for pl in lines for fw in pl["firmware"])
    revisions = [r for a in fixture["advisories"] for r in a["revisions"]]
    withdrawn = sum(1 for r in revisions if r["status"] == "withdrawn")
    revised = sum(1 for a in fixture["advisories"] if len(a["revisions"]) > 1)
    withdrawn_advs = sum(1 for a in fixture["advisories"]
                         if any(r["status"] == "withdrawn" for r in a["revisions"]))
    checks = [
        ("product lines", len({op["body"]["id"] for op in ops if op["op"] == "product"}),
         expected.get("product_lines", len(lines))),
        ("releases", counts["release"], expected.get("firmware_images", images)),
        ("advisory revisions", counts["advisory"], len(revisions) - withdrawn),
        ("withdrawals", counts["withdraw"], expected.get("advisories_withdrawn", withdrawn_advs)),
        ("advisories", len({op["body"]["id"] for op in ops if op["op"] == "advisory"}),
         expected.get("advisories", len(fixture["advisories"]))),
        ("revised advisories", revised, expected.get("advisories_revised", revised)),
    ]
    for name, got, want in checks:
        if got != want:
            fail(f"count mismatch for {name}: got {got}, expected {want}")


def main(argv=None):
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_fixture = os.path.normpath(
        os.path.join(repo_root, "..", "shared", "data", "fixtures", "acme-ics.json"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixture", nargs="?", default=default_fixture,
                        help="path of acme-ics.json (default: %(default)s)")
    parser.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    args = parser.parse_args(argv)

    with open(args.fixture, encoding="utf-8") as f:
        fixture = json.load(f)
    try:
        demo = convert(fixture)
    except ConversionError as e:
        print(f"make-demo: error: {e}", file=sys.stderr)
        return 1
    except (KeyError, TypeError) as e:
        print(f"make-demo: error: malformed fixture: {e!r}", file=sys.stderr)
        return 1

    data = (json.dumps(demo, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    if args.out:
        folder = os.path.dirname(os.path.abspath(args.out))
        os.makedirs(folder, exist_ok=True)
        with open(args.out, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    counts = Counter(op["op"] for op in demo["operations"])
    summary = ", ".join(f"{op} {counts[op]}" for op in ("product", "release", "advisory", "withdraw"))
    print(f"make-demo: {len(demo['operations'])} operations: {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The one table of `make bench`: reads what scripts/run-bench.sh gathered in DIR
(service.json from service_bench, peers.json from bench/peers/run-peers.sh, micro.json from
micro_bench), prints a Markdown table with each issue-10 target next to its figure ("met" /
"not met"), and writes every figure to DIR/results.json. Usage: table.py DIR"""
import json
import math
import os
import sys

PEERS = ["lego", "uacme", "certbot"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def pct(values, p):
    """Nearest-rank percentile; None when empty."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


def stats(ms):
    return {"min": pct(ms, 0.0001), "median": pct(ms, 50), "p95": pct(ms, 95),
            "p99": pct(ms, 99), "max": pct(ms, 100)}


def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


def verdict(ok):
    return "met" if ok else "NOT MET"


def main(directory):
    service = load(os.path.join(directory, "service.json")) or {"rows": []}
    peers = load(os.path.join(directory, "peers.json")) or {"rows": [], "settings": []}
    micro = load(os.path.join(directory, "micro.json")) or {"benchmarks": []}
    peer_rows = {(r["peer"], r["scenario"]): r for r in peers["rows"]}
    results = {"service": service, "peers": peers, "rows": [], "targets": []}

    def target(text, ok, figure):
        results["targets"].append({"target": text, "figure": figure, "met": bool(ok)})
        return f"{text}: {figure}, {verdict(ok)}"

    lines = ["| scenario | client | min | median | p95 | max | issued | ratio (peer median / ours) | target |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in service["rows"]:
        name, ms = row["scenario"], row["ms"]
        s = stats(ms)
        all_ok = row["ok"] == row["tries"]
        total = max(row.get("total_ms", [0]) or [0])
        goal = ""
        if name == "1 name":
            peer_medians = [stats(peer_rows[(p, name)]["ms"])["median"] for p in PEERS
                            if (p, name) in peer_rows and peer_rows[(p, name)]["ms"]]
            faster = s["median"] is not None and all(s["median"] < m for m in peer_medians)
            goal = target("1 name p50 <= 30 ms, p99 <= 80 ms, faster than every peer",
                          s["median"] is not None and s["median"] <= 30 and s["p99"] <= 80 and faster,
                          f"p50 {fmt_ms(s['median'])}, p99 {fmt_ms(s['p99'])}")
        elif name in ("3 names", "*.zone + zone"):
            goal = target(f"{name} p50 <= 50 ms", s["median"] is not None and s["median"] <= 50,
                          f"p50 {fmt_ms(s['median'])}")
        elif name.startswith("1 name during"):
            goal = target("single during another's 100 <= 200 ms",
                          all_ok and s["max"] is not None and s["max"] <= 200, fmt_ms(s["max"]))
        elif name == "10 at once" or name.startswith("100 at once") or name.startswith("1,000 at once"):
            limit = {"10 at once": 250}.get(name, 2000 if name.startswith("100 ") else 30000)
            posts = max(row.get("posts_answered_ms", [0]) or [0])
            if all_ok:
                figure = f"total {fmt_ms(total)}"
                if len(row.get("total_ms", [])) > 1:
                    figure += f" (slowest of {len(row['total_ms'])} rounds)"
            else:
                figure = f"{row['tries'] - row['ok']} not issued by the deadline (last seen " + \
                    ", ".join(f"{k.replace('deadline, ', '')}: {v}" for k, v in
                              sorted(row["outcomes"].items()) if k != "issued") + ")"
            if row.get("posts_answered_ms"):
                figure += f"; every POST answered after {fmt_ms(posts)}"
            goal = target(f"{name.replace(', 10 accounts', '')} all issued, total <= {fmt_ms(limit)}",
                          all_ok and total <= limit, figure)
        ratios = []
        for p in PEERS:
            pr = peer_rows.get((p, name))
            if pr and pr["ms"] and s["median"]:
                ratios.append(f"{p} {stats(pr['ms'])['median'] / s['median']:.1f}x")
        lines.append(f"| {name} | certadns | {fmt_ms(s['min'])} | {fmt_ms(s['median'])} | "
                     f"{fmt_ms(s['p95'])} | {fmt_ms(s['max'])} | {row['ok']}/{row['tries']} | "
                     f"{', '.join(ratios) or '-'} | {goal} |")
        results["rows"].append({"scenario": name, "client": "certadns", "ok": row["ok"],
                                "tries": row["tries"], "total_ms": row.get("total_ms"), **s})
        for p in PEERS:
            pr = peer_rows.get((p, name))
            if not pr:
                continue
            ps = stats(pr["ms"])
            lines.append(f"| {name} | {p} | {fmt_ms(ps['min'])} | {fmt_ms(ps['median'])} | "
                         f"{fmt_ms(ps['p95'])} | {fmt_ms(ps['max'])} | {pr['ok']}/{pr['tries']} | | |")
            results["rows"].append({"scenario": name, "client": p, "ok": pr["ok"],
                                    "tries": pr["tries"], **ps})

    out = ["## certadns over its API, and the peers on the same stack (POST -> issued as a client sees it)", ""]
    out += lines
    waits = service.get("pool_waits", {})
    warm = "; ".join(f"{k}: {v['want']} keys, {v['waited_s']:.1f} s" if v.get("waited_s", -1) >= 0
                     else f"{k}: {v['want']} keys wanted, {v.get('ready')} ready at the limit"
                     for k, v in waits.items())
    out += ["", f"certadns: issuance.key_pool = {service.get('key_pool', '?')}, warm before each "
            f"scenario (the bench waited until the pool, refilled in idle CPU time, held the keys "
            f"the scenario takes: {warm or 'not recorded'}); time from just "
            f"before the POST to the first GET that shows `issued`: GET /certificates/{{id}} every "
            f"{service.get('watch_interval_ms', 0):.0f} ms for one certificate, for bursts one "
            f"GET /certificates per account per round, rounds "
            f"{service.get('burst_watch_ms_per_account', 0):.0f} ms per account apart (min 20 ms); "
            f"{service.get('watch_errors', 0)} watch GETs failed. certadns settings (others "
            f"default): {', '.join(f'{k} = {v}' for k, v in sorted(service.get('settings', {}).items()) if k != 'dns.nameservers')}. Ratios: peer median / certadns "
            "median. Peers: one process per certificate, timed from start to exit, RSA-2048 like "
            "certadns, account registered before timing. Peer settings:"]
    out += [f"- {s}" for s in peers.get("settings", [])]

    wrk = service.get("wrk", {})
    if wrk:
        out += ["", "## HTTP API (wrk, 2 threads, 64 connections)", "",
                "| endpoint | req/s | p99 | errors | target |", "|---|---|---|---|---|"]
        lst, hz = wrk.get("list", {}), wrk.get("healthz", {})
        goal = target("GET /certificates >= 5,000 req/s, p99 <= 20 ms",
                      lst.get("requests_per_s", 0) >= 5000 and lst.get("p99_ms", 1e9) <= 20,
                      f"{lst.get('requests_per_s', 0):.0f} req/s, p99 {fmt_ms(lst.get('p99_ms'))}")
        out.append(f"| GET /api/v1/certificates (100 certificates) | {lst.get('requests_per_s', 0):.0f} | "
                   f"{fmt_ms(lst.get('p99_ms'))} | {lst.get('errors', '-')} | {goal} |")
        goal = target("/healthz >= 20,000 req/s", hz.get("requests_per_s", 0) >= 20000,
                      f"{hz.get('requests_per_s', 0):.0f} req/s")
        out.append(f"| GET /healthz | {hz.get('requests_per_s', 0):.0f} | {fmt_ms(hz.get('p99_ms'))} | "
                   f"{hz.get('errors', '-')} | {goal} |")

    rss = service.get("rss", {})
    if rss:
        out += ["", "## certadns serve memory and threads (/proc/PID/status)", "",
                "| when | VmRSS | threads | target |", "|---|---|---|---|"]
        for when, limit in (("idle", 30), ("peak", 150), ("after", None)):
            r = rss.get(when)
            if not r:
                continue
            mb = r.get("VmRSS", 0) / 1024
            goal = ""
            if limit:
                label = "idle" if when == "idle" else "at the peak of the 1,000 burst"
                goal = target(f"RSS {label} <= {limit} MB", mb <= limit, f"{mb:.1f} MB")
            label = {"peak": "peak of the 1,000 burst (sampled every 20 ms)",
                     "after": "5 s after the 1,000 burst"}.get(when, when)
            out.append(f"| {label} | {mb:.1f} MB | {r.get('Threads', '-')} | {goal} |")

    if micro["benchmarks"]:
        out += ["", "## Micro-benchmarks (Google Benchmark, CPU time per operation)", "",
                "| benchmark | CPU | wall |", "|---|---|---|"]
        for b in micro["benchmarks"]:
            unit = b.get("time_unit", "ns")
            out.append(f"| {b['name']} | {b['cpu_time']:.0f} {unit} | {b['real_time']:.0f} {unit} |")
        results["micro"] = micro["benchmarks"]

    print("\n".join(out))
    with open(os.path.join(directory, "results.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])

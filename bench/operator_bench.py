#!/usr/bin/python3
"""Operator benchmark: N MailDomains in kube-testserver, maildomain-operator over the fleet's Knot.

Measures peak RSS (VmHWM), status writes of the first pass (expected N) and of an unchanged second
pass (expected 0), and API requests per reconcile in that second pass (kube-testserver's
GET /admin/requests; maildomain_reconcile_total from the operator's metrics).

Usage: operator_bench.py --kts BIN --operator BIN --fleet DIR --dns-port P --work DIR
                         [--count N] [--workers 4] [--domains-per-worker 16] [--crd FILE] [--timeout S]
                         [--config FILE] [--wrap "heaptrack -o OUT"]
Prints key=value lines.
"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import yaml


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Api:
    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def call(self, method, path, body=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            text = resp.read()
        except (http.client.HTTPException, OSError):
            self.local.conn = None
            raise
        return resp.status, (json.loads(text) if text else None)


def peak_rss_mib(pid):
    """VmHWM of a running process; -1 once it has exited (e.g. stopped to end a heaptrack run)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        return -1.0
    return 0.0


def reconciles(metrics_port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    except OSError:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith("maildomain_reconcile_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def status_writes(api):
    _, body = api.call("GET", "/admin/requests?subresource=status")
    return sum(1 for r in body["requests"] if r["method"] in ("PUT", "PATCH"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kts", required=True)
    ap.add_argument("--operator", required=True)
    ap.add_argument("--fleet", required=True)
    ap.add_argument("--dns-port", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--domains-per-worker", type=int, default=16)
    ap.add_argument("--crd", default="crds/mailops.dev_maildomains.yaml")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--config", help="the operator's --config file (e.g. a smaller DNS cache)")
    ap.add_argument("--wrap", default="", help="a command line the operator runs under (heaptrack)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ip_zones, domain_zones = open(os.path.join(args.fleet, "lists.txt")).read().split()
    domains = [line.split() for line in open(os.path.join(args.fleet, "domains.txt"))]
    if args.count:
        domains = domains[: args.count]
    n = len(domains)
    procs = []
    op = None
    try:
        kubeconfig = os.path.join(args.work, "kubeconfig")
        kts = subprocess.Popen([args.kts, "--port", "0", "--kubeconfig-out", kubeconfig],
                               stdout=subprocess.PIPE, stderr=open(os.path.join(args.work, "kts.log"), "w"),
                               text=True)
        procs.append(kts)
        line = kts.stdout.readline()
        m = re.search(r":(\d+)", line.split("listening on", 1)[-1])
        if not m:
            sys.exit(f"kube-testserver did not start: {line!r}")
        api = Api(int(m.group(1)))

        crd = yaml.safe_load(open(args.crd))
        code, body = api.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        if code not in (200, 201):
            sys.exit(f"CRD: {code} {body}")
        start = time.time()
        errors = []

        def create(chunk):
            for d, *senders in chunk:
                obj = {"apiVersion": "mailops.dev/v1alpha1", "kind": "MailDomain",
                       "metadata": {"name": d.replace(".", "-"), "namespace": "default"},
                       "spec": {"domain": d, "senders": senders, "checkInterval": "1m",
                                "dkim": {"selectors": ["s1", "s2"]},
                                "blacklists": {"ipZones": ip_zones.split(","),
                                               "domainZones": domain_zones.split(",")}}}
                c, b = api.call("POST", "/apis/mailops.dev/v1alpha1/namespaces/default/maildomains", obj)
                if c not in (200, 201):
                    errors.append((c, b))
        threads = [threading.Thread(target=create, args=(domains[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            sys.exit(f"create: {errors[0]}")
        print(f"created={n}\ncreate_s={time.time() - start:.1f}", flush=True)
        api.call("DELETE", "/admin/requests")

        metrics_port, health_port = free_port(), free_port()
        config = ["--config", args.config] if args.config else []
        op = subprocess.Popen(args.wrap.split() + [args.operator, "--kubeconfig", kubeconfig,
                               "--dns-server", f"127.0.0.1:{args.dns_port}",
                               "--workers", str(args.workers),
                               "--domains-per-worker", str(args.domains_per_worker),
                               "--metrics-bind-address", f"127.0.0.1:{metrics_port}",
                               "--health-probe-bind-address", f"127.0.0.1:{health_port}",
                               "--log-level", "warn"] + config,
                              stdout=open(os.path.join(args.work, "operator.log"), "w"),
                              stderr=subprocess.STDOUT,
                              # Its own process group: a --wrap command (heaptrack) does not pass
                              # SIGTERM on, so the group is signalled.
                              start_new_session=True)
        procs.append(op)
        start = time.time()
        deadline = start + args.timeout
        writes = 0
        while time.time() < deadline and op.poll() is None:
            writes = status_writes(api)
            if writes >= n:
                break
            time.sleep(1)
        first_s = time.time() - start
        _, body = api.call("GET", "/admin/requests")
        print(f"first_pass_s={first_s:.1f}\nfirst_pass_status_writes={writes}\n"
              f"first_pass_requests={body['total']}\nrss_after_first_mib={peak_rss_mib(op.pid):.1f}",
              flush=True)
        if op.poll() is not None:
            sys.exit("operator exited; see operator.log")
        # The size of one stored MailDomain (what the informer caches), compact JSON.
        name = domains[0][0].replace(".", "-")
        _, obj = api.call("GET", f"/apis/mailops.dev/v1alpha1/namespaces/default/maildomains/{name}")
        print(f"object_json_bytes={len(json.dumps(obj, separators=(',', ':')))}\n"
              f"status_json_bytes={len(json.dumps(obj.get('status', {}), separators=(',', ':')))}",
              flush=True)

        # Second pass: every MailDomain is due again after checkInterval (1m); nothing changed.
        api.call("DELETE", "/admin/requests")
        r1 = reconciles(metrics_port) or 0.0
        while time.time() < deadline and op.poll() is None:
            r2 = reconciles(metrics_port) or 0.0
            if r2 - r1 >= n:
                break
            time.sleep(2)
        r2 = reconciles(metrics_port) or 0.0
        _, body = api.call("GET", "/admin/requests")
        done = r2 - r1
        print(f"second_pass_reconciles={done:.0f}\nsecond_pass_status_writes={status_writes(api)}\n"
              f"second_pass_requests={body['total']}\nsecond_pass_by_verb={json.dumps(body['byVerb'])}\n"
              f"requests_per_reconcile={(body['total'] / done) if done else -1:.3f}\n"
              f"peak_rss_mib={peak_rss_mib(op.pid):.1f}", flush=True)
    finally:
        def stop(p, sig):
            if p.poll() is not None:
                return
            if p is op:
                os.killpg(p.pid, sig)  # the operator and a --wrap command around it
            else:
                p.send_signal(sig)
        for p in reversed(procs):
            stop(p, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                stop(p, signal.SIGKILL)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Generates the benchmark fleet: zone files for N mail domains plus what they share.

Every domain dNNNNN.example has SPF (its own sender by ip4, its mail provider by include), two
DKIM selectors with a 2048-bit key, DMARC p=reject with reports, two MX hosts (its own and the
provider's), and two senders (its own host and one of the provider's four outbound IPs), all with
forward-confirmed reverse DNS. Shared: 20 providers (two-level SPF include chain, MX, outbound
hosts), 5 IP DNSBL zones and 3 domain DNSBL zones (RFC 5782 test entries; 1% of the own senders
listed on bl1), 3 reverse zones.

Writes into OUT: zones/*.zone, zones.list (zone names), domains.txt ("domain sender sender"),
queries.txt (dnsperf input: the questions a check pass asks), spf-cases.txt ("ip sender helo",
spfquery's -file format), lists.txt (ip zones, domain zones).

Usage: gen_fleet.py N OUT
"""
import base64
import os
import subprocess
import sys

PROVIDERS = 20
IP_ZONES = [f"bl{k}.example" for k in range(1, 6)]
DOMAIN_ZONES = [f"dbl{k}.example" for k in range(1, 4)]
SOA = "@ 3600 IN SOA ns.bench.example. hostmaster.bench.example. 1 3600 600 86400 3600\n" \
      "@ 3600 IN NS ns.bench.example.\n"


def dkim_public_key():
    der = subprocess.run(
        "openssl genrsa 2048 2>/dev/null | openssl rsa -pubout -outform DER 2>/dev/null",
        shell=True, check=True, capture_output=True).stdout
    return base64.b64encode(der).decode()


def txt(text):
    """A TXT record's data as quoted character-strings of at most 255 octets."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255))


def own_ip(prefix, i):
    return f"10.{prefix}.{i // 250}.{i % 250 + 1}"


def reverse_label(ip):
    """Owner name of an address inside its /16 reverse zone: "y.x"."""
    a, b, c, d = ip.split(".")
    return f"{d}.{c}"


def write(out, name, body):
    with open(os.path.join(out, "zones", name + ".zone"), "w") as f:
        f.write(f"$ORIGIN {name}.\n$TTL 3600\n{SOA}{body}")


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(out, "zones"), exist_ok=True)
    key = dkim_public_key()
    dkim = txt(f"v=DKIM1; k=rsa; p={key}")
    zones = []
    rev = {1: [], 2: [], 200: []}
    bl1 = []
    domains, queries, cases = [], [], []

    for p in range(PROVIDERS):
        name = f"provider{p}.example"
        body = [
            f'_spf TXT "v=spf1 include:_netblocks1.{name} include:_netblocks2.{name} ~all"',
            f'_netblocks1 TXT "v=spf1 ip4:10.201.{p}.0/24 ip6:2001:db8:{p}::/48 ~all"',
            f'_netblocks2 TXT "v=spf1 ip4:10.200.{p}.0/24 ~all"',
            f"mx A 10.200.{p}.100",
        ]
        rev[200].append(f"100.{p} PTR mx.{name}.")
        for k in range(1, 5):
            body.append(f"out{k} A 10.200.{p}.{k}")
            rev[200].append(f"{k}.{p} PTR out{k}.{name}.")
        write(out, name, "\n".join(body) + "\n")
        zones.append(name)

    for i in range(n):
        d = f"d{i:05d}.example"
        p = i % PROVIDERS
        provider = f"provider{p}.example"
        sender = own_ip(1, i)
        mx_ip = own_ip(2, i)
        provider_ip = f"10.200.{p}.{1 + i % 4}"
        write(out, d, "\n".join([
            f'@ TXT "v=spf1 ip4:{sender} include:_spf.{provider} -all"',
            "@ MX 10 mx1",
            f"@ MX 20 mx.{provider}.",
            f"mx1 A {mx_ip}",
            f"mail A {sender}",
            f"s1._domainkey TXT {dkim}",
            f"s2._domainkey TXT {dkim}",
            f'_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{d}"',
        ]) + "\n")
        zones.append(d)
        rev[1].append(f"{reverse_label(sender)} PTR mail.{d}.")
        rev[2].append(f"{reverse_label(mx_ip)} PTR mx1.{d}.")
        if i % 100 == 7:
            rev_ip = ".".join(reversed(sender.split(".")))
            bl1.append(f"{rev_ip} A 127.0.0.2")
            bl1.append(f'{rev_ip} TXT "listed for the benchmark"')
        domains.append(f"{d} {sender} {provider_ip}")
        cases.append(f"{sender} postmaster@{d} mail.{d}")
        cases.append(f"{provider_ip} postmaster@{d} mail.{d}")
        cases.append(f"192.0.2.{i % 250 + 1} user@{d} mail.{d}")
        queries += [f"{d} TXT", f"s1._domainkey.{d} TXT", f"s2._domainkey.{d} TXT",
                    f"_dmarc.{d} TXT", f"{d} MX", f"mx1.{d} A", f"mx1.{d} AAAA",
                    f"mail.{d} A"]
        for ip in (sender, mx_ip):
            rev_ip = ".".join(reversed(ip.split(".")))
            queries.append(f"{rev_ip}.in-addr.arpa PTR")
            queries += [f"{rev_ip}.{z} A" for z in IP_ZONES]
        queries += [f"{d}.{z} A" for z in DOMAIN_ZONES]

    for second, records in rev.items():
        name = f"{second}.10.in-addr.arpa"
        write(out, name, "\n".join(records) + "\n")
        zones.append(name)
    for z in IP_ZONES:
        body = ["2.0.0.127 A 127.0.0.2",
                "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 A 127.0.0.2"]
        if z == IP_ZONES[0]:
            body += bl1
        write(out, z, "\n".join(body) + "\n")
        zones.append(z)
    for z in DOMAIN_ZONES:
        write(out, z, "test A 127.0.0.2\n")
        zones.append(z)

    def lines(name, items):
        with open(os.path.join(out, name), "w") as f:
            f.write("\n".join(items) + "\n")

    lines("zones.list", zones)
    lines("domains.txt", domains)
    lines("queries.txt", queries)
    lines("spf-cases.txt", cases)
    lines("lists.txt", [",".join(IP_ZONES), ",".join(DOMAIN_ZONES)])


if __name__ == "__main__":
    main()

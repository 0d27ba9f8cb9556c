#!/usr/bin/python3
"""A fault-injecting DNS server for tests (UDP and TCP on one loopback port).

Usage: /usr/bin/python3 fault_dns.py PORT      (PORT 0: pick one; prints "ready PORT")

The first label of the question name picks the behaviour (a prefix, so tests can make names
unique, e.g. "servfail-7.fault.test"):
  timeout*      no reply at all
  servfail*     rcode SERVFAIL           refused*   rcode REFUSED
  nxdomain*     NXDOMAIN + SOA (negative TTL 30) in the authority section
  nodata*       NOERROR, no answer, SOA in the authority section
  garbage*      37 random bytes          short*     a 12-byte header only (qdcount 0)
  badid*        a correct reply with the wrong message ID
  badrr*        a correct reply with its last 3 bytes cut off (malformed RR)
  ptrloop*      an answer whose owner name is a compression pointer to itself
  tc*           UDP: TC=1 with the question and no records; TCP: a 4 KB TXT answer
  big*          a 4 KB TXT answer, truncated (TC=1, question kept) when it does not fit the
                client's UDP size (512, or its EDNS size)
  delay-MS*     waits MS milliseconds, then answers normally
  cname-N*      a chain of N CNAMEs in one answer (NAME -> c1.NAME -> ... -> cN.NAME), then the
                asked type at the end (TXT: "v=spf1 ip4:192.0.2.10 -all")
  cnameloop*    two CNAMEs pointing at each other
  huge*         a ~61 KB TXT answer (244 records): TC=1 over UDP, whole over TCP (near the
                65,535-byte bound of a DNS message)
  anything else A 192.0.2.1 / AAAA 2001:db8::1 / TXT "fault test" / MX 10 mx.fault.test /
                PTR host.fault.test, TTL 300
Control (not counted): TXT "count.control." -> queries so far; "count.NAME.control." -> queries
for NAME; "tcpcount.NAME.control." -> those over TCP; "reset.control." -> zero the counters.
"""
import os
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time

from dnslib import AAAA, A, CNAME, DNSRecord, MX, PTR, QTYPE, RCODE, RR, SOA, TXT

LOCK = threading.Lock()
COUNTS = {}      # qname -> count (all transports)
TCP_COUNTS = {}  # qname -> count over TCP
TOTAL = [0]


def soa_rr(qname):
    zone = str(qname).split(".", 1)[-1] or "."
    return RR(zone, QTYPE.SOA, ttl=60,
              rdata=SOA("ns.fault.test.", "hostmaster.fault.test.", (1, 3600, 600, 86400, 30)))


def big_txt(reply, qname):
    for i in range(16):
        reply.add_answer(RR(qname, QTYPE.TXT, ttl=300, rdata=TXT(["%02d" % i + "x" * 250])))


def huge_txt(reply, qname):
    for i in range(244):
        reply.add_answer(RR(qname, QTYPE.TXT, ttl=300, rdata=TXT(["%03d" % i + "h" * 240])))


def default_answer(reply, qname, qtype, spf=False):
    if qtype == QTYPE.A:
        reply.add_answer(RR(qname, QTYPE.A, ttl=300, rdata=A("192.0.2.1")))
    elif qtype == QTYPE.AAAA:
        reply.add_answer(RR(qname, QTYPE.AAAA, ttl=300, rdata=AAAA("2001:db8::1")))
    elif qtype == QTYPE.TXT:
        text = "v=spf1 ip4:192.0.2.10 -all" if spf else "fault test"
        reply.add_answer(RR(qname, QTYPE.TXT, ttl=300, rdata=TXT(text)))
    elif qtype == QTYPE.MX:
        reply.add_answer(RR(qname, QTYPE.MX, ttl=300, rdata=MX("mx.fault.test.", 10)))
    elif qtype == QTYPE.PTR:
        reply.add_answer(RR(qname, QTYPE.PTR, ttl=300, rdata=PTR("host.fault.test.")))
    else:
        return False
    return True


def client_udp_size(request):
    for rr in request.ar:
        if rr.rtype == QTYPE.OPT:
            return max(512, rr.rclass)
    return 512


def truncated(request):
    reply = request.reply()
    reply.header.tc = 1
    return reply.pack()


def control(request, qname):
    labels = qname.rstrip(".").split(".")
    reply = request.reply()
    with LOCK:
        if labels[0] == "reset":
            COUNTS.clear()
            TCP_COUNTS.clear()
            TOTAL[0] = 0
            value = 0
        elif len(labels) == 2:
            value = TOTAL[0]
        else:
            name = ".".join(labels[1:-1]) + "."
            table = TCP_COUNTS if labels[0] == "tcpcount" else COUNTS
            value = table.get(name, 0)
    reply.add_answer(RR(request.q.qname, QTYPE.TXT, ttl=0, rdata=TXT(str(value))))
    return reply.pack()


def answer(data, tcp):
    """Returns the bytes to send back, or None for no reply."""
    try:
        request = DNSRecord.parse(data)
    except Exception:  # not DNS: ignore, like a real server would
        return None
    qname = str(request.q.qname).lower()
    if qname.endswith("control."):
        return control(request, qname)
    with LOCK:
        TOTAL[0] += 1
        COUNTS[qname] = COUNTS.get(qname, 0) + 1
        if tcp:
            TCP_COUNTS[qname] = TCP_COUNTS.get(qname, 0) + 1
    first = qname.split(".", 1)[0]
    qtype = request.q.qtype
    reply = request.reply()
    reply.header.ra = 1

    delay = re.match(r"delay-(\d+)", first)
    if delay:
        time.sleep(int(delay.group(1)) / 1000.0)
    if first.startswith("timeout"):
        return None
    if first.startswith("servfail"):
        reply.header.rcode = RCODE.SERVFAIL
        return reply.pack()
    if first.startswith("refused"):
        reply.header.rcode = RCODE.REFUSED
        return reply.pack()
    if first.startswith("nxdomain"):
        reply.header.rcode = RCODE.NXDOMAIN
        reply.add_auth(soa_rr(qname))
        return reply.pack()
    if first.startswith("nodata"):
        reply.add_auth(soa_rr(qname))
        return reply.pack()
    if first.startswith("garbage"):
        return os.urandom(37)
    if first.startswith("short"):
        return struct.pack("!HHHHHH", request.header.id, 0x8180, 0, 1, 0, 0)
    if first.startswith("tc"):
        if not tcp:
            return truncated(request)
        big_txt(reply, qname)
        return reply.pack()
    if first.startswith("big"):
        big_txt(reply, qname)
        packed = reply.pack()
        if not tcp and len(packed) > client_udp_size(request):
            return truncated(request)
        return packed
    if first.startswith("huge"):
        if not tcp:
            return truncated(request)
        huge_txt(reply, qname)
        return reply.pack()
    if first.startswith("cnameloop"):
        other = "b." + qname
        reply.add_answer(RR(qname, QTYPE.CNAME, ttl=300, rdata=CNAME(other)))
        reply.add_answer(RR(other, QTYPE.CNAME, ttl=300, rdata=CNAME(qname)))
        return reply.pack()
    chain = re.match(r"cname-(\d+)", first)
    if chain:
        owner = qname
        for i in range(1, int(chain.group(1)) + 1):
            target = "c%d.%s" % (i, qname)
            reply.add_answer(RR(owner, QTYPE.CNAME, ttl=300, rdata=CNAME(target)))
            owner = target
        default_answer(reply, owner, qtype, spf=True)
        packed = reply.pack()
        if not tcp and len(packed) > client_udp_size(request):
            return truncated(request)
        return packed
    if first.startswith("ptrloop"):
        # Header, the question, then one answer whose owner is a pointer to its own offset.
        head = request.reply()
        head.header.ra = 1
        packed = bytearray(head.pack())
        packed[6:8] = struct.pack("!H", 1)
        offset = len(packed)
        packed += struct.pack("!H", 0xC000 | offset)
        packed += struct.pack("!HHIH", qtype, 1, 300, 4) + bytes([192, 0, 2, 1])
        return bytes(packed)

    if not default_answer(reply, qname, qtype):
        reply.add_auth(soa_rr(qname))
    packed = reply.pack()

    if first.startswith("badid"):
        bad_id = (request.header.id + 1) & 0xFFFF
        return struct.pack("!H", bad_id) + packed[2:]
    if first.startswith("badrr"):
        return packed[:-3]
    return packed


class UdpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        out = answer(data, tcp=False)
        if out is not None:
            sock.sendto(out, self.client_address)


class TcpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        # Several length-prefixed queries may share one connection.
        self.request.settimeout(30)
        buf = b""
        try:
            while True:
                while len(buf) < 2:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                length = struct.unpack("!H", buf[:2])[0]
                while len(buf) < 2 + length:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                data, buf = buf[2:2 + length], buf[2 + length:]
                out = answer(data, tcp=True)
                if out is not None:
                    self.request.sendall(struct.pack("!H", len(out)) + out)
        except OSError:
            return


class UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = False


class TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    for _ in range(50):
        udp = UdpServer(("127.0.0.1", port), UdpHandler)
        chosen = udp.server_address[1]
        try:
            tcp = TcpServer(("127.0.0.1", chosen), TcpHandler)
            break
        except OSError:
            udp.server_close()
            if port != 0:
                raise
    else:
        sys.exit("no port free for both UDP and TCP")
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    print("ready %d" % chosen, flush=True)
    udp.serve_forever()


if __name__ == "__main__":
    main()

"""A Python grpcio client built from proto/ talks to a real scr-hub.

Two systems submit records of one person; the hub answers with one customer
holding both links, and either local ID resolves to it.

usage: python3 tests/python/smoke.py BINARY [DATABASE_URL]
"""

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time

import grpc
from grpc_tools import protoc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENS = {"libraries": "libraries-token", "waste": "waste-token", "agent": "agent-token"}


def build_stubs(out):
    os.makedirs(out, exist_ok=True)
    proto_dir = os.path.join(ROOT, "proto")
    # Every file of the API: services import each other's messages.
    v1 = os.path.join(proto_dir, "scr", "v1")
    files = sorted(os.path.join(v1, f) for f in os.listdir(v1) if f.endswith(".proto"))
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    rc = protoc.main(["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *files])
    if rc != 0:
        raise SystemExit("protoc failed")
    sys.path.insert(0, out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path):
    with open(path, "w") as f:
        for name, token in TOKENS.items():
            role = "agent" if name == "agent" else "department"
            f.write("[[callers]]\n")
            f.write(f'name = "{name}"\nrole = "{role}"\n')
            if role == "department":
                f.write(f'system = "{name}"\n')
            f.write(f'token_sha256 = "{hashlib.sha256(token.encode()).hexdigest()}"\n\n')


def auth(name):
    return (("authorization", f"Bearer {TOKENS[name]}"),)


def main():
    binary = sys.argv[1]
    database_url = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as tmp:
        build_stubs(os.path.join(tmp, "stubs"))
        from scr.v1 import customer_records_pb2 as records
        from scr.v1 import customer_records_pb2_grpc as records_grpc
        from scr.v1 import types_pb2 as types

        config = os.path.join(tmp, "scr.toml")
        write_config(config)
        port = free_port()
        args = [binary, "serve", "--config", config, "--data-dir", os.path.join(tmp, "data"), "--listen", f"127.0.0.1:{port}"]
        if database_url:
            args += ["--database-url", database_url]
        server = subprocess.Popen(args)
        try:
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            grpc.channel_ready_future(channel).result(timeout=60)
            stub = records_grpc.CustomerRecordsStub(channel)

            def record(system, local_id, given, postcode):
                return types.DepartmentalRecord(
                    system=system,
                    local_id=local_id,
                    name=types.PersonName(given=given, family="Bennett"),
                    date_of_birth="1975-11-09",
                    gender=types.GENDER_MALE,
                    address=types.Address(lines=["7 Moseley Road"], town="Birmingham", postcode=postcode),
                )

            first = stub.SubmitRecord(
                records.SubmitRecordRequest(record=record("libraries", "LIB-42", "Thomas", "B12 0BS"), request_id="py-1"),
                metadata=auth("libraries"),
            )
            second = stub.SubmitRecord(
                records.SubmitRecordRequest(record=record("waste", "W-42", "THOMAS", "b120bs"), request_id="py-2"),
                metadata=auth("waste"),
            )
            assert first.outcome == records.MATCH_OUTCOME_NEW_CUSTOMER, first
            assert second.outcome == records.MATCH_OUTCOME_LINKED, second
            assert first.customer_id == second.customer_id

            customer = stub.GetCustomer(
                records.GetCustomerRequest(customer_id=first.customer_id, purpose="python smoke test"),
                metadata=auth("agent"),
            ).customer
            # Times are google.protobuf.Timestamp.
            assert all(l.linked_at.seconds > 0 for l in customer.links), customer
            assert sorted((l.system, l.local_id) for l in customer.links) == [("libraries", "LIB-42"), ("waste", "W-42")]

            for name, local_id in (("libraries", "LIB-42"), ("waste", "W-42")):
                resolved = stub.ResolveLink(
                    records.ResolveLinkRequest(system=name, local_id=local_id, purpose="python smoke test"),
                    metadata=auth(name),
                )
                assert resolved.customer_id == first.customer_id
                # A department sees its own link only, never another's.
                assert [l.system for l in resolved.links] == [name], resolved

            try:
                stub.SubmitRecord(records.SubmitRecordRequest(record=record("libraries", "X", "Ann", "B12 0BS")))
                raise AssertionError("a call without a token succeeded")
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.UNAUTHENTICATED, e
            print(f"python grpcio smoke test passed ({'postgres' if database_url else 'sqlite'})")
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.returncode != 0:
                raise SystemExit(f"server exited with {server.returncode}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""e2e.python: the official Kubernetes Python client (Debian python3-kubernetes) against the dev server.

Run by python_client_e2e_test.cpp with KUBECONFIG pointing at a running modelops-devserver (TLS, token)
that has the ModelDeployment CRD installed. Each step prints one line `STEP <name> ok` or
`STEP <name> FAILED: <why>`; the exit code is 0 only when every step passed. Every call is bounded
(request timeouts, watch timeout_seconds), so a server that stops answering fails the run instead of
hanging it.
"""
import json
import sys
import traceback

try:
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException
except ImportError as e:  # the module comes from Debian's python3-kubernetes, seen only by /usr/bin/python3
    print(f"STEP import FAILED: {e} (install python3-kubernetes; run with /usr/bin/python3)")
    sys.exit(2)

GROUP, VERSION, PLURAL = "modelops.dev", "v1alpha1", "modeldeployments"
NS = "py-e2e"
TIMEOUT = 20  # seconds, for every request
failures = []


class StepFailed(Exception):
    pass


def check(cond, why):
    if not cond:
        raise StepFailed(why)


def step(name):
    def run(fn):
        try:
            fn()
            print(f"STEP {name} ok", flush=True)
        except StepFailed as e:
            failures.append(name)
            print(f"STEP {name} FAILED: {e}", flush=True)
        except Exception as e:  # an unexpected exception is a failed step, with its trace for the log
            failures.append(name)
            print(f"STEP {name} FAILED: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc()
        return fn
    return run


def model_deployment(name, version):
    return {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "ModelDeployment",
        "metadata": {"name": name, "namespace": NS, "labels": {"suite": "python"}},
        "spec": {"model": {"version": version},
                 "template": {"spec": {"containers": [{"name": "server", "image": "sim:1"}]}},
                 "strategy": {"canary": {"steps": [{"setWeight": 10}]}}},
    }


def expect_invalid(call, field, message_part):
    """call() must fail with 422 Invalid naming `field` in details.causes; returns the Status."""
    try:
        call()
    except ApiException as e:
        check(e.status == 422, f"status {e.status}, want 422: {e.body}")
        status = json.loads(e.body)
        check(status.get("reason") == "Invalid", f"reason {status.get('reason')}, want Invalid")
        fields = [c.get("field") for c in status.get("details", {}).get("causes", [])]
        check(field in fields, f"causes {fields} do not name {field}")
        check(message_part in status.get("message", ""), f"message {status.get('message')!r} lacks {message_part!r}")
        return status
    raise StepFailed(f"accepted; want 422 Invalid on {field}")


config.load_kube_config()
core = client.CoreV1Api()
apps = client.AppsV1Api()
custom = client.CustomObjectsApi()
state = {}


@step("namespace")
def _():
    core.create_namespace({"metadata": {"name": NS}}, _request_timeout=TIMEOUT)


@step("list-empty")
def _():
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, _request_timeout=TIMEOUT)
    check(listed["items"] == [], f"items {listed['items']}")
    state["rv"] = listed["metadata"]["resourceVersion"]


@step("create-and-list")
def _():
    custom.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, model_deployment("fraud", "1.0.0"),
                                           _request_timeout=TIMEOUT)
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, label_selector="suite=python",
                                                  _request_timeout=TIMEOUT)
    names = [i["metadata"]["name"] for i in listed["items"]]
    check(names == ["fraud"], f"listed {names}")


@step("merge-patch-and-read-back")
def _():
    patched = custom.patch_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "fraud",
                                                    {"spec": {"model": {"version": "1.1.0"}}},
                                                    _request_timeout=TIMEOUT)
    check(patched["spec"]["model"]["version"] == "1.1.0", f"patch answered {patched['spec']['model']}")
    got = custom.get_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "fraud", _request_timeout=TIMEOUT)
    check(got["spec"]["model"]["version"] == "1.1.0", f"read back {got['spec']['model']}")
    check(got["metadata"]["generation"] == 2, f"generation {got['metadata'].get('generation')}")
    check(got["spec"]["template"]["spec"]["containers"][0]["image"] == "sim:1", "the patch lost the template")


@step("watch-stream-added-and-modified")
def _():
    # From the list's resourceVersion, the stream replays the create and the patch made above; the client
    # sends watch=True (capital T), which the server must read as a watch, not answer with a plain list.
    w = watch.Watch()
    seen = []
    for event in w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL,
                          resource_version=state["rv"], timeout_seconds=10, allow_watch_bookmarks=True,
                          _request_timeout=TIMEOUT):
        check(isinstance(event, dict) and "type" in event, f"not a watch event: {event!r:.200}")
        if event["type"] == "BOOKMARK":
            continue
        obj = event["object"]
        seen.append((event["type"], obj["metadata"]["name"], obj["spec"]["model"]["version"]))
        if len(seen) == 2:
            w.stop()
    check(seen == [("ADDED", "fraud", "1.0.0"), ("MODIFIED", "fraud", "1.1.0")], f"events {seen}")


@step("watch-sees-a-later-change")
def _():
    # Without a resourceVersion: the current object arrives as ADDED, then a change made now as MODIFIED.
    w = watch.Watch()
    seen = []
    for event in w.stream(custom.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL,
                          timeout_seconds=10, _request_timeout=TIMEOUT):
        seen.append(event["type"])
        if event["type"] == "ADDED":
            custom.patch_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "fraud",
                                                  {"metadata": {"labels": {"watched": "yes"}}},
                                                  _request_timeout=TIMEOUT)
        elif event["type"] == "MODIFIED":
            check(event["object"]["metadata"]["labels"].get("watched") == "yes", "MODIFIED without the change")
            w.stop()
    check(seen == ["ADDED", "MODIFIED"], f"events {seen}")


@step("service-name-over-63-refused")
def _():
    name = "s" * 64
    svc = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
    status = expect_invalid(lambda: core.create_namespaced_service(NS, svc, _request_timeout=TIMEOUT),
                            "metadata.name", "must be no more than 63 characters")
    check(status["message"].startswith(f'Service "{name}" is invalid: metadata.name: Invalid value: "{name}"'),
          f"message {status['message']!r}")
    core.create_namespaced_service(NS, {"metadata": {"name": "s" * 63}, "spec": {"ports": [{"port": 80}]}},
                                   _request_timeout=TIMEOUT)


@step("invalid-label-key-refused")
def _():
    cm = {"metadata": {"name": "labels", "labels": {"-starts-with-dash": "x"}}}
    expect_invalid(lambda: core.create_namespaced_config_map(NS, cm, _request_timeout=TIMEOUT),
                   "metadata.labels", "name part must consist of alphanumeric characters")


@step("annotations-over-256KiB-refused")
def _():
    cm = {"metadata": {"name": "annotated", "annotations": {"big": "x" * (256 * 1024)}}}
    expect_invalid(lambda: core.create_namespaced_config_map(NS, cm, _request_timeout=TIMEOUT),
                   "metadata.annotations", "Too long: must have at most 262144 bytes")


@step("pod-template-without-image-refused")
def _():
    dep = {"metadata": {"name": "noimage"},
           "spec": {"selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "x"}},
                                 "spec": {"containers": [{"name": "server"}]}}}}
    expect_invalid(lambda: apps.create_namespaced_deployment(NS, dep, _request_timeout=TIMEOUT),
                   "spec.template.spec.containers[0].image", "Required value")


@step("cleanup")
def _():
    custom.delete_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "fraud", _request_timeout=TIMEOUT)
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, _request_timeout=TIMEOUT)
    check(listed["items"] == [], f"left {listed['items']}")


print(f"python-client-e2e: {len(failures)} failed: {failures}" if failures else "python-client-e2e: all steps ok")
sys.exit(1 if failures else 0)

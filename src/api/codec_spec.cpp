// JSON <-> ModelDeploymentSpec; see codec.h for the contract (types checked with paths, unknown members
// kept in `extra`, absent members stay absent).
// Thread-safety: pure functions.
#include <string>
#include <utility>

#include "codec_internal.h"
#include "json_io.h"
#include "modelops/api/codec.h"

namespace modelops::api {
namespace detail {
namespace {

using E = FieldErrors;

NameValue decNameValue(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  NameValue v;
  v.name = r.str("name");
  v.value = r.str("value");
  v.extra = r.rest();
  return v;
}
Json enc(const NameValue& v) {
  Json o = startObject(v.extra);
  put(o, "name", v.name);
  put(o, "value", v.value);
  return o;
}

ModelSpec decModel(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  ModelSpec m;
  m.name = r.str("name");
  m.version = r.str("version");
  m.uri = r.str("uri");
  m.extra = r.rest();
  return m;
}

ServiceSpec decService(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  ServiceSpec s;
  s.port = r.int64("port");
  s.targetPort = r.intOrString("targetPort");
  s.extra = r.rest();
  return s;
}
Json enc(const ServiceSpec& s) {
  Json o = startObject(s.extra);
  put(o, "port", s.port);
  put(o, "targetPort", s.targetPort);
  return o;
}

CanaryStep decStep(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  CanaryStep s;
  s.setWeight = r.int64("setWeight");
  s.pause = r.object<PauseStep>("pause", [](const Json& pj, const std::string& pp, E& pe) {
    Reader pr(pj, pp, pe);
    PauseStep p;
    p.duration = pr.duration("duration");
    p.extra = pr.rest();
    return p;
  });
  s.analysis = r.object<AnalysisStep>("analysis", [](const Json& aj, const std::string& ap, E& ae) {
    Reader ar(aj, ap, ae);
    return AnalysisStep{ar.rest()};
  });
  s.extra = r.rest();
  return s;
}
Json enc(const CanaryStep& s) {
  Json o = startObject(s.extra);
  put(o, "setWeight", s.setWeight);
  putObject(o, "pause", s.pause, [](const PauseStep& p) {
    Json po = startObject(p.extra);
    put(po, "duration", p.duration);
    return po;
  });
  putObject(o, "analysis", s.analysis, [](const AnalysisStep& a) { return startObject(a.extra); });
  return o;
}

TrafficRouting decRouting(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  TrafficRouting t;
  t.gatewayAPI = r.object<GatewayApiRouting>("gatewayAPI", [](const Json& gj, const std::string& gp, E& ge) {
    Reader gr(gj, gp, ge);
    GatewayApiRouting g;
    g.httpRoute = gr.str("httpRoute");
    g.namespace_ = gr.str("namespace");
    g.ruleIndex = gr.int64("ruleIndex");
    g.port = gr.int64("port");
    g.extra = gr.rest();
    return g;
  });
  t.istio = r.object<IstioRouting>("istio", [](const Json& ij, const std::string& ip, E& ie) {
    Reader ir(ij, ip, ie);
    IstioRouting i;
    i.virtualService =
        ir.object<IstioVirtualService>("virtualService", [](const Json& vj, const std::string& vp, E& ve) {
          Reader vr(vj, vp, ve);
          IstioVirtualService v;
          v.name = vr.str("name");
          v.routes = vr.stringList("routes");
          v.extra = vr.rest();
          return v;
        });
    i.extra = ir.rest();
    return i;
  });
  t.extra = r.rest();
  return t;
}
Json enc(const TrafficRouting& t) {
  Json o = startObject(t.extra);
  putObject(o, "gatewayAPI", t.gatewayAPI, [](const GatewayApiRouting& g) {
    Json go = startObject(g.extra);
    put(go, "httpRoute", g.httpRoute);
    put(go, "namespace", g.namespace_);
    put(go, "ruleIndex", g.ruleIndex);
    put(go, "port", g.port);
    return go;
  });
  putObject(o, "istio", t.istio, [](const IstioRouting& i) {
    Json io = startObject(i.extra);
    putObject(io, "virtualService", i.virtualService, [](const IstioVirtualService& v) {
      Json vo = startObject(v.extra);
      put(vo, "name", v.name);
      putStrings(vo, "routes", v.routes);
      return vo;
    });
    return io;
  });
  return o;
}

Variant decVariant(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  Variant v;
  v.name = r.str("name");
  v.weight = r.int64("weight");
  v.model = r.object<ModelSpec>("model", decModel);
  v.match = r.list<MatchRule>("match", [](const Json& mj, const std::string& mp, E& me) {
    Reader mr(mj, mp, me);
    MatchRule m;
    m.header = mr.object<NameValue>("header", decNameValue);
    m.cookie = mr.object<NameValue>("cookie", decNameValue);
    m.extra = mr.rest();
    return m;
  });
  v.extra = r.rest();
  return v;
}

Strategy decStrategy(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  Strategy s;
  s.canary = r.object<CanaryStrategy>("canary", [](const Json& cj, const std::string& cp, E& ce) {
    Reader cr(cj, cp, ce);
    CanaryStrategy c;
    c.steps = cr.list<CanaryStep>("steps", decStep);
    c.trafficRouting = cr.object<TrafficRouting>("trafficRouting", decRouting);
    c.scaleDownDelaySeconds = cr.int64("scaleDownDelaySeconds");
    c.extra = cr.rest();
    return c;
  });
  s.abTest = r.object<AbTestStrategy>("abTest", [](const Json& aj, const std::string& ap, E& ae) {
    Reader ar(aj, ap, ae);
    AbTestStrategy a;
    a.variants = ar.list<Variant>("variants", decVariant);
    a.trafficRouting = ar.object<TrafficRouting>("trafficRouting", decRouting);
    a.duration = ar.duration("duration");
    a.winnerSelection = ar.str("winnerSelection");
    a.extra = ar.rest();
    return a;
  });
  s.extra = r.rest();
  return s;
}
Json enc(const Strategy& s) {
  Json o = startObject(s.extra);
  putObject(o, "canary", s.canary, [](const CanaryStrategy& c) {
    Json co = startObject(c.extra);
    putList(co, "steps", c.steps, [](const CanaryStep& st) { return enc(st); });
    putObject(co, "trafficRouting", c.trafficRouting, [](const TrafficRouting& t) { return enc(t); });
    put(co, "scaleDownDelaySeconds", c.scaleDownDelaySeconds);
    return co;
  });
  putObject(o, "abTest", s.abTest, [](const AbTestStrategy& a) {
    Json ao = startObject(a.extra);
    putList(ao, "variants", a.variants, [](const Variant& v) {
      Json vo = startObject(v.extra);
      put(vo, "name", v.name);
      put(vo, "weight", v.weight);
      putObject(vo, "model", v.model, [](const ModelSpec& m) { return encodeModelSpec(m); });
      putList(vo, "match", v.match, [](const MatchRule& m) {
        Json mo = startObject(m.extra);
        putObject(mo, "header", m.header, [](const NameValue& nv) { return enc(nv); });
        putObject(mo, "cookie", m.cookie, [](const NameValue& nv) { return enc(nv); });
        return mo;
      });
      return vo;
    });
    putObject(ao, "trafficRouting", a.trafficRouting, [](const TrafficRouting& t) { return enc(t); });
    put(ao, "duration", a.duration);
    put(ao, "winnerSelection", a.winnerSelection);
    return ao;
  });
  return o;
}

SecretKeyRef decSecretRef(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  SecretKeyRef s;
  s.name = r.str("name");
  s.key = r.str("key");
  s.extra = r.rest();
  return s;
}
Json enc(const SecretKeyRef& s) {
  Json o = startObject(s.extra);
  put(o, "name", s.name);
  put(o, "key", s.key);
  return o;
}

MetricProvider decProvider(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  MetricProvider p;
  p.prometheus = r.object<PrometheusProvider>("prometheus", [](const Json& pj, const std::string& pp, E& pe) {
    Reader pr(pj, pp, pe);
    PrometheusProvider x;
    x.address = pr.str("address");
    x.timeout = pr.duration("timeout");
    x.headers = pr.list<NameValue>("headers", decNameValue);
    x.auth = pr.object<ProviderAuth>("auth", [](const Json& aj, const std::string& ap, E& ae) {
      Reader ar(aj, ap, ae);
      ProviderAuth a;
      a.bearerTokenSecretRef = ar.object<SecretKeyRef>("bearerTokenSecretRef", decSecretRef);
      a.basicAuthSecretRef = ar.object<SecretKeyRef>("basicAuthSecretRef", decSecretRef);
      a.extra = ar.rest();
      return a;
    });
    x.tls = pr.object<ProviderTls>("tls", [](const Json& tj, const std::string& tp, E& te) {
      Reader tr(tj, tp, te);
      ProviderTls t;
      t.caSecretRef = tr.object<SecretKeyRef>("caSecretRef", decSecretRef);
      t.insecureSkipVerify = tr.boolean("insecureSkipVerify");
      t.extra = tr.rest();
      return t;
    });
    x.extra = pr.rest();
    return x;
  });
  p.web = r.object<WebProvider>("web", [](const Json& wj, const std::string& wp, E& we) {
    Reader wr(wj, wp, we);
    WebProvider w;
    w.url = wr.str("url");
    w.method = wr.str("method");
    w.body = wr.str("body");
    w.headers = wr.list<NameValue>("headers", decNameValue);
    w.jsonPath = wr.str("jsonPath");
    w.timeout = wr.duration("timeout");
    w.extra = wr.rest();
    return w;
  });
  p.extra = r.rest();
  return p;
}
Json enc(const MetricProvider& p) {
  Json o = startObject(p.extra);
  putObject(o, "prometheus", p.prometheus, [](const PrometheusProvider& x) {
    Json xo = startObject(x.extra);
    put(xo, "address", x.address);
    put(xo, "timeout", x.timeout);
    putList(xo, "headers", x.headers, [](const NameValue& nv) { return enc(nv); });
    putObject(xo, "auth", x.auth, [](const ProviderAuth& a) {
      Json ao = startObject(a.extra);
      putObject(ao, "bearerTokenSecretRef", a.bearerTokenSecretRef, [](const SecretKeyRef& s) { return enc(s); });
      putObject(ao, "basicAuthSecretRef", a.basicAuthSecretRef, [](const SecretKeyRef& s) { return enc(s); });
      return ao;
    });
    putObject(xo, "tls", x.tls, [](const ProviderTls& t) {
      Json to = startObject(t.extra);
      putObject(to, "caSecretRef", t.caSecretRef, [](const SecretKeyRef& s) { return enc(s); });
      put(to, "insecureSkipVerify", t.insecureSkipVerify);
      return to;
    });
    return xo;
  });
  putObject(o, "web", p.web, [](const WebProvider& w) {
    Json wo = startObject(w.extra);
    put(wo, "url", w.url);
    put(wo, "method", w.method);
    put(wo, "body", w.body);
    putList(wo, "headers", w.headers, [](const NameValue& nv) { return enc(nv); });
    put(wo, "jsonPath", w.jsonPath);
    put(wo, "timeout", w.timeout);
    return wo;
  });
  return o;
}

Metric decMetric(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  Metric m;
  m.name = r.str("name");
  m.provider = r.object<MetricProvider>("provider", decProvider);
  m.query = r.str("query");
  m.successes = r.str("successes");
  m.trials = r.str("trials");
  m.predictions = r.str("predictions");
  m.args = r.stringMap("args");
  m.accuracy = r.object<AccuracyCriteria>("accuracy", [](const Json& aj, const std::string& ap, E& ae) {
    Reader ar(aj, ap, ae);
    AccuracyCriteria a;
    a.min = ar.number("min");
    a.confidence = ar.number("confidence");
    a.minSamples = ar.int64("minSamples");
    a.maxDropVsStable = ar.number("maxDropVsStable");
    a.minLabelCoverage = ar.number("minLabelCoverage");
    a.extra = ar.rest();
    return a;
  });
  m.segments = r.object<SegmentCriteria>("segments", [](const Json& sj, const std::string& sp, E& se) {
    Reader sr(sj, sp, se);
    SegmentCriteria s;
    s.by = sr.str("by");
    s.min = sr.number("min");
    s.minSamples = sr.int64("minSamples");
    s.confidence = sr.number("confidence");
    s.maxDropVsStable = sr.number("maxDropVsStable");
    s.extra = sr.rest();
    return s;
  });
  m.threshold = r.object<ThresholdCriteria>("threshold", [](const Json& tj, const std::string& tp, E& te) {
    Reader tr(tj, tp, te);
    ThresholdCriteria t;
    t.min = tr.number("min");
    t.max = tr.number("max");
    t.extra = tr.rest();
    return t;
  });
  m.failureLimit = r.int64("failureLimit");
  m.inconclusiveLimit = r.int64("inconclusiveLimit");
  m.consecutiveErrorLimit = r.int64("consecutiveErrorLimit");
  m.extra = r.rest();
  return m;
}
Json enc(const Metric& m) {
  Json o = startObject(m.extra);
  put(o, "name", m.name);
  putObject(o, "provider", m.provider, [](const MetricProvider& p) { return enc(p); });
  put(o, "query", m.query);
  put(o, "successes", m.successes);
  put(o, "trials", m.trials);
  put(o, "predictions", m.predictions);
  putMap(o, "args", m.args);
  putObject(o, "accuracy", m.accuracy, [](const AccuracyCriteria& a) {
    Json ao = startObject(a.extra);
    put(ao, "min", a.min);
    put(ao, "confidence", a.confidence);
    put(ao, "minSamples", a.minSamples);
    put(ao, "maxDropVsStable", a.maxDropVsStable);
    put(ao, "minLabelCoverage", a.minLabelCoverage);
    return ao;
  });
  putObject(o, "segments", m.segments, [](const SegmentCriteria& s) {
    Json so = startObject(s.extra);
    put(so, "by", s.by);
    put(so, "min", s.min);
    put(so, "minSamples", s.minSamples);
    put(so, "confidence", s.confidence);
    put(so, "maxDropVsStable", s.maxDropVsStable);
    return so;
  });
  putObject(o, "threshold", m.threshold, [](const ThresholdCriteria& t) {
    Json to = startObject(t.extra);
    put(to, "min", t.min);
    put(to, "max", t.max);
    return to;
  });
  put(o, "failureLimit", m.failureLimit);
  put(o, "inconclusiveLimit", m.inconclusiveLimit);
  put(o, "consecutiveErrorLimit", m.consecutiveErrorLimit);
  return o;
}

AnalysisSpec decAnalysis(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  AnalysisSpec a;
  a.interval = r.duration("interval");
  a.metrics = r.list<Metric>("metrics", decMetric);
  a.maxDuration = r.duration("maxDuration");
  a.onTimeout = r.str("onTimeout");
  a.guards = r.object<GuardsSpec>("guards", decodeGuards);
  a.extra = r.rest();
  return a;
}
Json enc(const AnalysisSpec& a) {
  Json o = startObject(a.extra);
  put(o, "interval", a.interval);
  putList(o, "metrics", a.metrics, [](const Metric& m) { return enc(m); });
  put(o, "maxDuration", a.maxDuration);
  put(o, "onTimeout", a.onTimeout);
  putObject(o, "guards", a.guards, encodeGuards);
  return o;
}

}  // namespace

Json encodeModelSpec(const ModelSpec& m) {
  Json o = startObject(m.extra);
  put(o, "name", m.name);
  put(o, "version", m.version);
  put(o, "uri", m.uri);
  return o;
}

ModelDeploymentSpec decodeSpecInto(const Json& j, const std::string& path, FieldErrors& errs) {
  Reader r(j, path, errs);
  ModelDeploymentSpec s;
  s.replicas = r.int64("replicas");
  if (auto m = r.object<ModelSpec>("model", decModel)) s.model = std::move(*m);
  s.template_ = r.anyObject("template");
  s.service = r.object<ServiceSpec>("service", decService);
  s.strategy = r.object<Strategy>("strategy", decStrategy);
  s.analysis = r.object<AnalysisSpec>("analysis", decAnalysis);
  s.monitoring = r.object<MonitoringSpec>("monitoring", [](const Json& mj, const std::string& mp, E& me) {
    Reader mr(mj, mp, me);
    MonitoringSpec m;
    m.enabled = mr.boolean("enabled");
    m.onDegraded = mr.str("onDegraded");
    m.onError = mr.str("onError");
    m.interval = mr.duration("interval");
    m.extra = mr.rest();
    return m;
  });
  s.rollback = r.object<RollbackSpec>("rollback", [](const Json& rj, const std::string& rp, E& re) {
    Reader rr(rj, rp, re);
    RollbackSpec x;
    x.automatic = rr.boolean("automatic");
    x.extra = rr.rest();
    return x;
  });
  s.progressDeadlineSeconds = r.int64("progressDeadlineSeconds");
  s.revisionHistoryLimit = r.int64("revisionHistoryLimit");
  s.paused = r.boolean("paused");
  s.extra = r.rest();
  return s;
}

}  // namespace detail

Result<ModelDeploymentSpec, FieldErrors> decodeSpec(const nlohmann::json& spec) {
  FieldErrors errs;
  ModelDeploymentSpec s = detail::decodeSpecInto(spec, "spec", errs);
  if (!errs.empty()) return errs;
  return s;
}

nlohmann::json encodeSpec(const ModelDeploymentSpec& s) {
  using namespace detail;
  Json o = startObject(s.extra);
  put(o, "replicas", s.replicas);
  Json model = encodeModelSpec(s.model);
  if (!model.empty()) o["model"] = std::move(model);
  put(o, "template", s.template_);
  putObject(o, "service", s.service, [](const ServiceSpec& x) { return enc(x); });
  putObject(o, "strategy", s.strategy, [](const Strategy& x) { return enc(x); });
  putObject(o, "analysis", s.analysis, [](const AnalysisSpec& x) { return enc(x); });
  putObject(o, "monitoring", s.monitoring, [](const MonitoringSpec& m) {
    Json mo = startObject(m.extra);
    put(mo, "enabled", m.enabled);
    put(mo, "onDegraded", m.onDegraded);
    put(mo, "onError", m.onError);
    put(mo, "interval", m.interval);
    return mo;
  });
  putObject(o, "rollback", s.rollback, [](const RollbackSpec& r) {
    Json ro = startObject(r.extra);
    put(ro, "automatic", r.automatic);
    return ro;
  });
  put(o, "progressDeadlineSeconds", s.progressDeadlineSeconds);
  put(o, "revisionHistoryLimit", s.revisionHistoryLimit);
  put(o, "paused", s.paused);
  return o;
}

}  // namespace modelops::api

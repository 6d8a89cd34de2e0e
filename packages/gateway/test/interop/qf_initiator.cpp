// QuickFIX C++ initiator for the gateway interop test (built by test/quickfix-interop.test.ts).
// Mode "trade": two sessions (CLIENT1, CLIENT2) log on to VENUE with ResetOnLogon, trade against
// each other, replace, cancel, log out.
// Mode "resume": CLIENT1 with a persistent FileStore logs on without reset, sends an order, logs
// out; then reads the (restarted) gateway's port from stdin, logs on again, and must receive the
// ExecutionReport the gateway journaled while it was away (ResendRequest -> PossDupFlag replay).
// Mode "config <file>": loads a ready-made initiator configuration (examples/quickfix/venue.cfg)
// as a user would, only pointing it at the test's port and a temporary store; Username/Password
// come from the file's session settings; logs on, sends an order, logs out.
// Prints "STEP <name>" lines and exits 0 on success, 1 with "FAIL <reason>" otherwise.
#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/MessageStore.h>
#include <quickfix/MessageCracker.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/Logon.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/OrderMassCancelRequest.h>
#include <quickfix/fix44/SecurityListRequest.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReject.h>
#include <quickfix/fix44/OrderCancelReplaceRequest.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/Reject.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

struct Report {
  std::string sender;  // session (TargetCompID of the report)
  std::string msgType;
  bool possDup = false;
  std::string clOrdId, execType, ordStatus, lastPx, lastQty, cumQty, leavesQty, avgPx, orderId, text;
};

// Settings of the "config" mode: toAdmin takes Username/Password from them when present.
static const FIX::SessionSettings* g_settings = nullptr;

class App : public FIX::Application {
 public:
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Report> reports;
  int logons = 0;
  int logouts = 0;
  std::string sessionRejects;

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    std::lock_guard<std::mutex> l(mu);
    logons++;
    cv.notify_all();
  }
  void onLogout(const FIX::SessionID&) override {
    std::lock_guard<std::mutex> l(mu);
    logouts++;
    cv.notify_all();
  }
  void toAdmin(FIX::Message& m, const FIX::SessionID& id) override {
    FIX::MsgType t;
    m.getHeader().getField(t);
    if (t == FIX::MsgType_Logon) {
      std::string user = id.getSenderCompID().getValue(), password = "demo";
      if (g_settings != nullptr) {
        const FIX::Dictionary& d = g_settings->get(id);
        user = d.has("Username") ? d.getString("Username") : "";
        password = d.has("Password") ? d.getString("Password") : "";
      }
      m.setField(FIX::Username(user));
      m.setField(FIX::Password(password));
    }
  }
  void fromAdmin(const FIX::Message& m, const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                                      FIX::IncorrectTagValue, FIX::RejectLogon) override {
    FIX::MsgType t;
    m.getHeader().getField(t);
    if (t == FIX::MsgType_Reject) {
      std::lock_guard<std::mutex> l(mu);
      sessionRejects += m.toString() + "\n";
    }
  }
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromApp(const FIX::Message& m, const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                                       FIX::IncorrectTagValue,
                                                                       FIX::UnsupportedMessageType) override {
    Report r;
    r.sender = id.getSenderCompID().getValue();
    FIX::MsgType t;
    m.getHeader().getField(t);
    r.msgType = t.getValue();
    auto get = [&](int tag) { return m.isSetField(tag) ? m.getField(tag) : std::string(); };
    if (r.msgType == "8") {
      // Typed access: throws FieldNotFound if a FIX 4.4 required field is missing.
      FIX44::ExecutionReport er(m);
      FIX::OrderID oid; FIX::ExecID eid; FIX::ExecType et; FIX::OrdStatus os; FIX::Side sd;
      FIX::LeavesQty lq; FIX::CumQty cq; FIX::AvgPx ap; FIX::Symbol sy;
      er.get(oid); er.get(eid); er.get(et); er.get(os); er.get(sd); er.get(lq); er.get(cq); er.get(ap); er.get(sy);
    }
    r.possDup = m.getHeader().isSetField(43) && m.getHeader().getField(43) == "Y";
    r.clOrdId = get(11); r.execType = get(150); r.ordStatus = get(39); r.lastPx = get(31);
    r.lastQty = get(32); r.cumQty = get(14); r.leavesQty = get(151); r.avgPx = get(6); r.orderId = get(37);
    r.text = get(58);
    std::lock_guard<std::mutex> l(mu);
    reports.push_back(r);
    cv.notify_all();
  }

  // Waits for a report matching pred; fails the run after 5 s.
  template <class P>
  Report waitFor(const char* what, P pred) {
    std::unique_lock<std::mutex> l(mu);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      for (auto it = reports.begin(); it != reports.end(); ++it) {
        if (pred(*it)) {
          Report r = *it;
          reports.erase(it);
          std::cout << "STEP " << what << " clOrdId=" << r.clOrdId << " 150=" << r.execType << " 39=" << r.ordStatus
                    << " 31=" << r.lastPx << " 32=" << r.lastQty << " 14=" << r.cumQty << " 151=" << r.leavesQty
                    << " 6=" << r.avgPx << std::endl;
          return r;
        }
      }
      if (cv.wait_until(l, deadline) == std::cv_status::timeout) {
        std::cout << "FAIL timeout waiting for " << what << std::endl;
        std::exit(1);
      }
    }
  }
};

static void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::cout << "FAIL " << what << std::endl;
    std::exit(1);
  }
}

static std::string clientConfig(const std::string& port, const std::string& storeDir) {
  std::stringstream cfg;
  cfg << "[DEFAULT]\nConnectionType=initiator\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\n"
      << "UseDataDictionary=N\nHeartBtInt=30\nResetOnLogon=N\nResetOnLogout=N\nResetOnDisconnect=N\n"
      << "SocketConnectHost=127.0.0.1\nSocketConnectPort=" << port << "\nFileStorePath=" << storeDir << "\n"
      << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=CLIENT1\nTargetCompID=VENUE\n";
  return cfg.str();
}

static void waitLogons(App& app, int n, const char* what) {
  std::unique_lock<std::mutex> l(app.mu);
  if (!app.cv.wait_for(l, std::chrono::seconds(5), [&] { return app.logons >= n; })) {
    std::cout << "FAIL " << what << std::endl;
    std::exit(1);
  }
}

static int resume(const std::string& port, const std::string& storeDir) {
  FIX::SessionID s1("FIX.4.4", "CLIENT1", "VENUE");
  {
    std::stringstream cfg(clientConfig(port, storeDir));
    FIX::SessionSettings settings(cfg);
    App app;
    FIX::FileStoreFactory store(settings);
    FIX::SocketInitiator initiator(app, store, settings);
    initiator.start();
    waitLogons(app, 1, "phase 1 logon");
    FIX44::NewOrderSingle o(FIX::ClOrdID("rs-1"), FIX::Side(FIX::Side_SELL), FIX::TransactTime(),
                            FIX::OrdType(FIX::OrdType_LIMIT));
    o.set(FIX::Symbol("BTC-USD"));
    o.set(FIX::OrderQty(1));
    o.set(FIX::Price(200));
    FIX::Session::sendToTarget(o, s1);
    app.waitFor("phase1-new", [](const Report& r) { return r.clOrdId == "rs-1" && r.execType == "0"; });
    initiator.stop();
  }
  std::cout << "STEP phase1-done" << std::endl;
  std::string newPort;
  if (!std::getline(std::cin, newPort)) {
    std::cout << "FAIL no port on stdin" << std::endl;
    return 1;
  }
  std::stringstream cfg(clientConfig(newPort, storeDir));
  FIX::SessionSettings settings(cfg);
  App app;
  FIX::FileStoreFactory store(settings);
  FIX::SocketInitiator initiator(app, store, settings);
  initiator.start();
  waitLogons(app, 1, "phase 2 logon");
  std::cout << "STEP phase2-logon" << std::endl;
  auto r = app.waitFor("replayed", [](const Report& x) { return x.clOrdId == "offline-1"; });
  expect(r.possDup && r.execType == "4", "offline report replayed with PossDupFlag=Y");
  FIX44::NewOrderSingle o(FIX::ClOrdID("rs-2"), FIX::Side(FIX::Side_SELL), FIX::TransactTime(),
                          FIX::OrdType(FIX::OrdType_LIMIT));
  o.set(FIX::Symbol("BTC-USD"));
  o.set(FIX::OrderQty(1));
  o.set(FIX::Price(201));
  FIX::Session::sendToTarget(o, s1);
  app.waitFor("phase2-new", [](const Report& x) { return x.clOrdId == "rs-2" && x.execType == "0"; });
  {
    std::lock_guard<std::mutex> l(app.mu);
    expect(app.sessionRejects.empty(), "venue sent session Rejects: " + app.sessionRejects);
  }
  initiator.stop();
  std::cout << "OK" << std::endl;
  return 0;
}

static int fromConfig(const std::string& port, const std::string& storeDir, const std::string& file) {
  FIX::SessionSettings loaded(file);
  std::set<FIX::SessionID> ids = loaded.getSessions();
  expect(ids.size() == 1, "the config has one session");
  FIX::SessionID id = *ids.begin();
  FIX::Dictionary d = loaded.get(id);
  expect(d.getString("ConnectionType") == "initiator", "ConnectionType=initiator");
  expect(d.getBool("UseDataDictionary"), "UseDataDictionary=Y");
  std::cout << "STEP config " << id.toString() << " host=" << d.getString("SocketConnectHost")
            << " port=" << d.getString("SocketConnectPort") << " dictionary=" << d.getString("DataDictionary")
            << std::endl;
  d.setString("SocketConnectHost", "127.0.0.1");
  d.setString("SocketConnectPort", port);
  d.setString("FileStorePath", storeDir);
  // A session cannot be set twice: copy the loaded settings with the test's overrides.
  FIX::SessionSettings settings;
  settings.set(loaded.get());
  settings.set(id, d);
  g_settings = &settings;
  App app;
  FIX::FileStoreFactory store(settings);
  FIX::SocketInitiator initiator(app, store, settings);
  initiator.start();
  waitLogons(app, 1, "logon with the example config");
  std::cout << "STEP logon" << std::endl;
  FIX44::NewOrderSingle o(FIX::ClOrdID("cfg-1"), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                          FIX::OrdType(FIX::OrdType_LIMIT));
  o.set(FIX::Symbol("BTC-USD"));
  o.set(FIX::OrderQty(0.5));
  o.set(FIX::Price(99.5));
  FIX::Session::sendToTarget(o, id);
  app.waitFor("new", [](const Report& r) { return r.clOrdId == "cfg-1" && r.execType == "0"; });
  {
    std::lock_guard<std::mutex> l(app.mu);
    expect(app.sessionRejects.empty(), "venue sent session Rejects: " + app.sessionRejects);
  }
  initiator.stop();
  std::cout << "STEP logout" << std::endl << "OK" << std::endl;
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: qf_initiator <port> <store-dir> [trade|resume]" << std::endl;
    return 2;
  }
  if (argc > 3 && std::string(argv[3]) == "resume") return resume(argv[1], argv[2]);
  if (argc > 4 && std::string(argv[3]) == "config") {
    try {
      return fromConfig(argv[1], argv[2], argv[4]);
    } catch (std::exception& e) {
      std::cout << "FAIL " << e.what() << std::endl;
      return 1;
    }
  }
  // QF_DICTIONARY=/path/FIX44.xml makes QuickFIX validate everything the venue sends against it.
  const char* dict = std::getenv("QF_DICTIONARY");
  std::string dictCfg = dict == nullptr ? std::string("UseDataDictionary=N\n")
                                        : std::string("UseDataDictionary=Y\nDataDictionary=") + dict + "\n";
  std::stringstream cfg;
  cfg << "[DEFAULT]\nConnectionType=initiator\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\n"
      << dictCfg << "HeartBtInt=30\nResetOnLogon=Y\nSocketConnectHost=127.0.0.1\nSocketConnectPort="
      << argv[1] << "\nFileStorePath=" << argv[2] << "\n"
      << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=CLIENT1\nTargetCompID=VENUE\n"
      << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=CLIENT2\nTargetCompID=VENUE\n";
  FIX::SessionSettings settings(cfg);
  App app;
  FIX::MemoryStoreFactory store;
  FIX::SocketInitiator initiator(app, store, settings);
  initiator.start();
  {
    std::unique_lock<std::mutex> l(app.mu);
    if (!app.cv.wait_for(l, std::chrono::seconds(5), [&] { return app.logons == 2; })) {
      std::cout << "FAIL logon" << std::endl;
      return 1;
    }
  }
  std::cout << "STEP logon both" << std::endl;
  FIX::SessionID s1("FIX.4.4", "CLIENT1", "VENUE"), s2("FIX.4.4", "CLIENT2", "VENUE");

  FIX44::NewOrderSingle sell(FIX::ClOrdID("qf-s1"), FIX::Side(FIX::Side_SELL), FIX::TransactTime(),
                             FIX::OrdType(FIX::OrdType_LIMIT));
  sell.set(FIX::Symbol("BTC-USD"));
  sell.set(FIX::OrderQty(1));
  sell.set(FIX::Price(100.5));
  sell.set(FIX::TimeInForce(FIX::TimeInForce_GOOD_TILL_CANCEL));
  FIX::Session::sendToTarget(sell, s1);
  app.waitFor("sell-new", [](const Report& r) { return r.sender == "CLIENT1" && r.clOrdId == "qf-s1" && r.execType == "0"; });

  FIX44::NewOrderSingle buy(FIX::ClOrdID("qf-b1"), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                            FIX::OrdType(FIX::OrdType_LIMIT));
  buy.set(FIX::Symbol("BTC-USD"));
  buy.set(FIX::OrderQty(0.25));
  buy.set(FIX::Price(101));
  FIX::Session::sendToTarget(buy, s2);
  auto bf = app.waitFor("buy-fill", [](const Report& r) { return r.sender == "CLIENT2" && r.execType == "F"; });
  expect(bf.ordStatus == "2" && bf.lastQty == "0.25" && bf.lastPx == "100.5" && bf.avgPx == "100.5",
         "buyer fill fields");
  auto sf = app.waitFor("sell-fill", [](const Report& r) { return r.sender == "CLIENT1" && r.execType == "F"; });
  expect(sf.ordStatus == "1" && sf.cumQty == "0.25" && sf.leavesQty == "0.75", "seller partial fill fields");

  FIX44::OrderCancelReplaceRequest rep(FIX::OrigClOrdID("qf-s1"), FIX::ClOrdID("qf-s2"), FIX::Side(FIX::Side_SELL),
                                       FIX::TransactTime(), FIX::OrdType(FIX::OrdType_LIMIT));
  rep.set(FIX::Symbol("BTC-USD"));
  rep.set(FIX::OrderQty(2));
  rep.set(FIX::Price(102));
  FIX::Session::sendToTarget(rep, s1);
  auto rr = app.waitFor("replace", [](const Report& r) { return r.sender == "CLIENT1" && r.execType == "5"; });
  expect(rr.clOrdId == "qf-s2" && rr.leavesQty == "1.75", "replace fields");

  FIX44::OrderCancelRequest cxl(FIX::OrigClOrdID("qf-s2"), FIX::ClOrdID("qf-s3"), FIX::Side(FIX::Side_SELL),
                                FIX::TransactTime());
  cxl.set(FIX::Symbol("BTC-USD"));
  cxl.set(FIX::OrderQty(2));
  FIX::Session::sendToTarget(cxl, s1);
  auto cr = app.waitFor("cancel", [](const Report& r) { return r.sender == "CLIENT1" && r.execType == "4"; });
  expect(cr.ordStatus == "4" && cr.leavesQty == "0", "cancel fields");

  // A cancel of an unknown order is answered with OrderCancelReject.
  FIX44::OrderCancelRequest bad(FIX::OrigClOrdID("nope"), FIX::ClOrdID("qf-s4"), FIX::Side(FIX::Side_SELL),
                                FIX::TransactTime());
  bad.set(FIX::Symbol("BTC-USD"));
  FIX::Session::sendToTarget(bad, s1);
  app.waitFor("cancel-reject", [](const Report& r) { return r.sender == "CLIENT1" && r.msgType == "9"; });

  // Reference data and market data: SecurityList, snapshot + incremental refresh.
  FIX44::SecurityListRequest slr(FIX::SecurityReqID("sl-1"),
                                 FIX::SecurityListRequestType(FIX::SecurityListRequestType_ALL_SECURITIES));
  FIX::Session::sendToTarget(slr, s1);
  app.waitFor("security-list", [](const Report& r) { return r.sender == "CLIENT1" && r.msgType == "y"; });
  FIX44::MarketDataRequest mdr(FIX::MDReqID("md-1"),
                               FIX::SubscriptionRequestType(FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES),
                               FIX::MarketDepth(0));
  FIX44::MarketDataRequest::NoMDEntryTypes types;
  types.set(FIX::MDEntryType(FIX::MDEntryType_BID));
  mdr.addGroup(types);
  types.set(FIX::MDEntryType(FIX::MDEntryType_OFFER));
  mdr.addGroup(types);
  FIX44::MarketDataRequest::NoRelatedSym sym;
  sym.set(FIX::Symbol("BTC-USD"));
  mdr.addGroup(sym);
  FIX::Session::sendToTarget(mdr, s1);
  app.waitFor("md-snapshot", [](const Report& r) { return r.sender == "CLIENT1" && r.msgType == "W"; });
  FIX44::NewOrderSingle rest(FIX::ClOrdID("qf-b2"), FIX::Side(FIX::Side_BUY), FIX::TransactTime(),
                             FIX::OrdType(FIX::OrdType_LIMIT));
  rest.set(FIX::Symbol("BTC-USD"));
  rest.set(FIX::OrderQty(0.5));
  rest.set(FIX::Price(99.99));
  FIX::Session::sendToTarget(rest, s2);
  app.waitFor("b2-new", [](const Report& r) { return r.sender == "CLIENT2" && r.clOrdId == "qf-b2"; });
  app.waitFor("md-incremental", [](const Report& r) { return r.sender == "CLIENT1" && r.msgType == "X"; });
  FIX44::OrderMassCancelRequest mc(FIX::ClOrdID("qf-mc"),
                                   FIX::MassCancelRequestType(FIX::MassCancelRequestType_CANCEL_ALL_ORDERS),
                                   FIX::TransactTime());
  FIX::Session::sendToTarget(mc, s2);
  app.waitFor("mass-cancel-report", [](const Report& r) { return r.sender == "CLIENT2" && r.msgType == "r"; });

  {
    std::lock_guard<std::mutex> l(app.mu);
    expect(app.sessionRejects.empty(), "venue sent session Rejects: " + app.sessionRejects);
  }
  initiator.stop();
  std::cout << "STEP logout" << std::endl;
  std::cout << "OK" << std::endl;
  return 0;
}

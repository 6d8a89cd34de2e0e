// QuickFIX C++ initiator for the drop-copy interop test (built by test/dropcopy-interop.test.ts).
// Three sessions log on to VENUE with ResetOnLogon: CLIENT1 and CLIENT2 trade, DROPCOPY must receive
// a copy of each of their ExecutionReports with CopyMsgIndicator(797)=Y (QuickFIX validating every
// message against QF_DICTIONARY), and its own NewOrderSingle must be refused with a
// BusinessMessageReject 380=6. Prints "STEP <name>" lines and exits 0 on success, 1 with "FAIL ...".
#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

struct Msg {
  std::string session, msgType, clOrdId, execType, copy, account, rejectReason, text;
};

class App : public FIX::Application {
 public:
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Msg> msgs;
  int logons = 0;
  std::string sessionRejects;

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    std::lock_guard<std::mutex> l(mu);
    logons++;
    cv.notify_all();
  }
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message& m, const FIX::SessionID& id) override {
    FIX::MsgType t;
    m.getHeader().getField(t);
    if (t == FIX::MsgType_Logon) {
      m.setField(FIX::Username(id.getSenderCompID().getValue()));
      m.setField(FIX::Password("demo"));
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
    Msg r;
    r.session = id.getSenderCompID().getValue();
    FIX::MsgType t;
    m.getHeader().getField(t);
    r.msgType = t.getValue();
    auto get = [&](int tag) { return m.isSetField(tag) ? m.getField(tag) : std::string(); };
    if (r.msgType == "8") {
      FIX44::ExecutionReport er(m);  // typed access: throws if a FIX 4.4 required field is missing
      FIX::OrderID oid; FIX::ExecID eid; FIX::ExecType et; FIX::OrdStatus os; FIX::LeavesQty lq; FIX::CumQty cq;
      er.get(oid); er.get(eid); er.get(et); er.get(os); er.get(lq); er.get(cq);
    }
    r.clOrdId = get(11); r.execType = get(150); r.copy = get(797); r.account = get(1);
    r.rejectReason = get(380); r.text = get(58);
    std::lock_guard<std::mutex> l(mu);
    msgs.push_back(r);
    cv.notify_all();
  }

  template <class P>
  Msg waitFor(const char* what, P pred) {
    std::unique_lock<std::mutex> l(mu);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      for (auto it = msgs.begin(); it != msgs.end(); ++it) {
        if (pred(*it)) {
          Msg r = *it;
          msgs.erase(it);
          std::cout << "STEP " << what << " session=" << r.session << " 35=" << r.msgType << " 11=" << r.clOrdId
                    << " 150=" << r.execType << " 1=" << r.account << " 797=" << r.copy << std::endl;
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

static FIX44::NewOrderSingle order(const char* id, char side, double qty, double px) {
  FIX44::NewOrderSingle o(FIX::ClOrdID(id), FIX::Side(side), FIX::TransactTime(), FIX::OrdType(FIX::OrdType_LIMIT));
  o.set(FIX::Symbol("BTC-USD"));
  o.set(FIX::OrderQty(qty));
  o.set(FIX::Price(px));
  return o;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: qf_dropcopy <port> <store-dir>" << std::endl;
    return 2;
  }
  const char* dict = std::getenv("QF_DICTIONARY");
  std::string dictCfg = dict == nullptr ? std::string("UseDataDictionary=N\n")
                                        : std::string("UseDataDictionary=Y\nDataDictionary=") + dict + "\n";
  std::stringstream cfg;
  cfg << "[DEFAULT]\nConnectionType=initiator\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\n"
      << dictCfg << "HeartBtInt=30\nResetOnLogon=Y\nSocketConnectHost=127.0.0.1\nSocketConnectPort=" << argv[1]
      << "\nFileStorePath=" << argv[2] << "\n"
      << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=CLIENT1\nTargetCompID=VENUE\n"
      << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=CLIENT2\nTargetCompID=VENUE\n"
      << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=DROPCOPY\nTargetCompID=VENUE\n";
  FIX::SessionSettings settings(cfg);
  App app;
  FIX::MemoryStoreFactory store;
  FIX::SocketInitiator initiator(app, store, settings);
  initiator.start();
  {
    std::unique_lock<std::mutex> l(app.mu);
    if (!app.cv.wait_for(l, std::chrono::seconds(5), [&] { return app.logons == 3; })) {
      std::cout << "FAIL logon" << std::endl;
      return 1;
    }
  }
  std::cout << "STEP logon" << std::endl;
  FIX::SessionID s1("FIX.4.4", "CLIENT1", "VENUE"), s2("FIX.4.4", "CLIENT2", "VENUE"),
      dc("FIX.4.4", "DROPCOPY", "VENUE");

  FIX44::NewOrderSingle sell = order("dq-s1", FIX::Side_SELL, 1, 100.5);
  FIX::Session::sendToTarget(sell, s1);
  FIX44::NewOrderSingle buy = order("dq-b1", FIX::Side_BUY, 0.25, 101);
  FIX::Session::sendToTarget(buy, s2);
  auto isCopy = [](const char* id, const char* et) {
    return [id, et](const Msg& m) { return m.session == "DROPCOPY" && m.clOrdId == id && m.execType == et; };
  };
  auto c1 = app.waitFor("copy-sell-new", isCopy("dq-s1", "0"));
  auto c2 = app.waitFor("copy-buy-fill", isCopy("dq-b1", "F"));
  auto c3 = app.waitFor("copy-sell-fill", isCopy("dq-s1", "F"));
  expect(c1.copy == "Y" && c2.copy == "Y" && c3.copy == "Y", "CopyMsgIndicator(797)=Y on every copy");
  expect(c1.account == "CLIENT1" && c2.account == "CLIENT2", "copies carry the account");

  // The drop-copy session is read-only.
  FIX44::NewOrderSingle refused = order("dq-x", FIX::Side_BUY, 1, 100);
  FIX::Session::sendToTarget(refused, dc);
  auto rej = app.waitFor("read-only-reject", [](const Msg& m) { return m.session == "DROPCOPY" && m.msgType == "j"; });
  expect(rej.rejectReason == "6" && rej.text.find("read-only") != std::string::npos, "BusinessMessageReject 380=6");
  {
    std::lock_guard<std::mutex> l(app.mu);
    expect(app.sessionRejects.empty(), "venue sent session Rejects: " + app.sessionRejects);
  }
  initiator.stop();
  std::cout << "OK" << std::endl;
  return 0;
}

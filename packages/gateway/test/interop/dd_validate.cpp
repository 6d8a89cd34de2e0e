// Validates FIX messages with QuickFIX C++'s own DataDictionary (built by
// test/dictionary-validation.test.ts). Usage: dd_validate <dictionary.xml>...
// Reads one SOH-delimited message per line on stdin; for each message and each dictionary prints
// "<line> <dictionary index> OK" or "<line> <dictionary index> ERR <QuickFIX exception text>".
// QuickFIX's checks: BeginString, message type defined, header/body/trailer order, every tag
// defined for its message (groups included), required tags, field formats, enumerated values,
// group counts. The same checks a QuickFIX initiator runs on everything it receives.
#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>
#include <quickfix/Message.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: dd_validate <dictionary.xml>..." << std::endl;
    return 2;
  }
  std::vector<std::unique_ptr<FIX::DataDictionary>> dicts;
  for (int i = 1; i < argc; i++) {
    try {
      dicts.emplace_back(new FIX::DataDictionary(argv[i]));
    } catch (std::exception& e) {
      std::cout << "LOADFAIL " << argv[i] << " " << e.what() << std::endl;
      return 1;
    }
  }
  std::string line;
  int n = 0;
  while (std::getline(std::cin, line)) {
    n++;
    for (size_t d = 0; d < dicts.size(); d++) {
      try {
        FIX::Message m(line, *dicts[d], true);
        dicts[d]->validate(m);
        std::cout << n << " " << d << " OK" << std::endl;
      } catch (std::exception& e) {
        std::cout << n << " " << d << " ERR " << e.what() << std::endl;
      }
    }
  }
  std::cout << "DONE " << n << std::endl;
  return 0;
}

//===- Printer.cpp - Text form of the IR ----------------------------------===//
#include "qnn/IR/Printer.h"
#include "llvm/ADT/StringExtras.h"
#include <fmt/format.h>

namespace qnn {

std::string formatFloat(double V) {
  std::string S = fmt::format("{}", V);
  if (S.find_first_of(".eni") == std::string::npos)
    S += ".0";
  return S;
}

namespace {

bool isBareIdentifier(llvm::StringRef Name) {
  if (Name.empty())
    return false;
  return llvm::all_of(Name, [](char C) { return llvm::isAlnum(C) || C == '_' || C == '.'; });
}

/// Quoted with the escapes the parser reads: \\, \", \n, \t, and \HH (two
/// hex digits) for any other byte that is not printable ASCII.
void printQuoted(llvm::StringRef S, llvm::raw_ostream &OS) {
  OS << '"';
  for (unsigned char C : S) {
    if (C == '\\' || C == '"')
      OS << '\\' << C;
    else if (C == '\n')
      OS << "\\n";
    else if (C == '\t')
      OS << "\\t";
    else if (llvm::isPrint(C))
      OS << C;
    else
      OS << '\\' << llvm::hexdigit(C >> 4) << llvm::hexdigit(C & 0xf);
  }
  OS << '"';
}

void printValueRef(const Value *V, llvm::raw_ostream &OS) {
  if (!V) {
    OS << '_';
    return;
  }
  OS << '%';
  if (isBareIdentifier(V->Name))
    OS << V->Name;
  else
    printQuoted(V->Name, OS);
}

template <typename T, typename Fn>
void printList(const std::vector<T> &Items, llvm::raw_ostream &OS, Fn PrintOne) {
  OS << '[';
  for (size_t I = 0; I < Items.size(); ++I) {
    if (I)
      OS << ", ";
    PrintOne(Items[I]);
  }
  OS << ']';
}

void printAttribute(const Attribute &A, llvm::raw_ostream &OS) {
  if (const auto *I = std::get_if<int64_t>(&A))
    OS << *I;
  else if (const auto *D = std::get_if<double>(&A))
    OS << formatFloat(*D);
  else if (const auto *S = std::get_if<std::string>(&A))
    printQuoted(*S, OS);
  else if (const auto *Is = std::get_if<std::vector<int64_t>>(&A))
    printList(*Is, OS, [&](int64_t X) { OS << X; });
  else
    printList(std::get<std::vector<double>>(A), OS,
              [&](double X) { OS << formatFloat(X); });
}

void printConstantData(const Tensor &T, llvm::raw_ostream &OS, const PrintOptions &Opts) {
  if (Opts.ElideConstantsAbove >= 0 && T.size() > Opts.ElideConstantsAbove) {
    OS << "dense<elided>";
    return;
  }
  OS << "dense<";
  bool Float = isFloat(T.Type);
  bool Single = T.Type == DType::F32 || T.Type == DType::F16;
  printList(T.Data, OS, [&](double X) {
    if (!Float)
      OS << toInt64(X);
    else if (Single) // float-exact values print in float's shortest form
      OS << fmt::format("{}", static_cast<float>(X));
    else
      OS << formatFloat(X);
  });
  OS << '>';
}

} // namespace

void printType(const TensorType &T, llvm::raw_ostream &OS) {
  OS << dtypeName(T.Elem) << '[';
  for (size_t I = 0; I < T.Dims.size(); ++I) {
    if (I)
      OS << ',';
    if (T.Dims[I] < 0)
      OS << '?';
    else
      OS << T.Dims[I];
  }
  OS << ']';
  if (T.Quant) {
    const QuantParams &Q = *T.Quant;
    if (Q.isPerTensor() && Q.Axis < 0) {
      OS << " q(scale=" << formatFloat(Q.Scale[0]) << ", zp=" << Q.ZeroPoint[0] << ')';
    } else {
      OS << " q(axis=" << Q.Axis << ", scale=";
      printList(Q.Scale, OS, [&](double X) { OS << formatFloat(X); });
      OS << ", zp=";
      printList(Q.ZeroPoint, OS, [&](int64_t X) { OS << X; });
      OS << ')';
    }
  }
  if (T.Range)
    OS << " range(" << T.Range->Lo << ':' << T.Range->Hi << ':' << T.Range->Step << ')';
}

void printGraph(const Graph &G, llvm::raw_ostream &OS, const PrintOptions &Opts) {
  OS << "graph @" << G.Name << '(';
  for (size_t I = 0; I < G.Inputs.size(); ++I) {
    if (I)
      OS << ", ";
    printValueRef(G.Inputs[I], OS);
    OS << ": ";
    printType(G.Inputs[I]->Type, OS);
  }
  OS << ") {\n";
  // Constants first, in creation order, so the body reads top-down.
  for (const auto &V : G.values()) {
    if (!V->isConstant())
      continue;
    OS << "  ";
    printValueRef(V.get(), OS);
    OS << " = const : ";
    printType(V->Type, OS);
    OS << ' ';
    printConstantData(*V->Const, OS, Opts);
    OS << '\n';
  }
  for (const auto &O : G.ops()) {
    OS << "  ";
    for (size_t I = 0; I < O->Results.size(); ++I) {
      if (I)
        OS << ", ";
      printValueRef(O->Results[I], OS);
    }
    OS << " = " << O->Kind << ' ';
    printQuoted(O->Name, OS);
    OS << '(';
    for (size_t I = 0; I < O->Operands.size(); ++I) {
      if (I)
        OS << ", ";
      printValueRef(O->Operands[I], OS);
    }
    OS << ')';
    if (!O->Attrs.empty()) {
      OS << " {";
      bool First = true;
      for (const auto &[Name, A] : O->Attrs) {
        if (!First)
          OS << ", ";
        First = false;
        OS << Name << " = ";
        printAttribute(A, OS);
      }
      OS << '}';
    }
    OS << " : ";
    for (size_t I = 0; I < O->Results.size(); ++I) {
      if (I)
        OS << ", ";
      printType(O->Results[I]->Type, OS);
    }
    OS << '\n';
  }
  OS << "  return";
  for (size_t I = 0; I < G.Outputs.size(); ++I) {
    OS << (I ? ", " : " ");
    printValueRef(G.Outputs[I], OS);
  }
  OS << "\n}\n";
}

std::string graphToString(const Graph &G, const PrintOptions &Opts) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  printGraph(G, OS, Opts);
  return OS.str();
}

} // namespace qnn

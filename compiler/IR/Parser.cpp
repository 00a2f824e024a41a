//===- Parser.cpp - Reads the text form of the IR -------------------------===//
#include "qnn/IR/Parser.h"
#include "qnn/Support/Limits.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

namespace qnn {
namespace {

enum class Tok { Eof, Ident, ValueRef, AtName, String, Number, Punct, Error };

struct Token {
  Tok Kind = Tok::Eof;
  llvm::StringRef Text; // spelling in the buffer
  std::string Str;      // decoded identifier / string / value name
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef Buf) : Buf(Buf), Pos(Buf.begin()) {}

  Token next() {
    skipSpaceAndComments();
    Token T;
    if (Pos == Buf.end()) {
      T.Text = llvm::StringRef(Pos, 0);
      return T;
    }
    const char *Start = Pos;
    char C = *Pos;
    if (C == '%' || C == '@') {
      ++Pos;
      T.Kind = C == '%' ? Tok::ValueRef : Tok::AtName;
      if (Pos != Buf.end() && *Pos == '"') {
        if (!lexString(T.Str))
          return error(Start);
      } else {
        while (Pos != Buf.end() && (llvm::isAlnum(*Pos) || *Pos == '_' || *Pos == '.'))
          ++Pos;
        T.Str = std::string(Start + 1, Pos);
        if (T.Str.empty())
          return error(Start);
      }
    } else if (C == '"') {
      T.Kind = Tok::String;
      if (!lexString(T.Str))
        return error(Start);
    } else if (llvm::isDigit(C) || C == '-' || C == '+') {
      T.Kind = Tok::Number;
      ++Pos;
      while (Pos != Buf.end() &&
             (llvm::isAlnum(*Pos) || *Pos == '.' ||
              ((*Pos == '-' || *Pos == '+') && (Pos[-1] == 'e' || Pos[-1] == 'E'))))
        ++Pos;
    } else if (llvm::isAlpha(C) || C == '_') {
      T.Kind = Tok::Ident;
      while (Pos != Buf.end() && (llvm::isAlnum(*Pos) || *Pos == '_' || *Pos == '.'))
        ++Pos;
    } else if (llvm::StringRef("()[]{}<>,:=?").contains(C)) {
      T.Kind = Tok::Punct;
      ++Pos;
    } else {
      ++Pos;
      return error(Start);
    }
    T.Text = llvm::StringRef(Start, Pos - Start);
    if (T.Kind == Tok::Ident)
      T.Str = std::string(T.Text);
    return T;
  }

private:
  Token error(const char *Start) {
    Token T;
    T.Kind = Tok::Error;
    T.Text = llvm::StringRef(Start, std::max<ptrdiff_t>(1, Pos - Start));
    return T;
  }

  void skipSpaceAndComments() {
    while (Pos != Buf.end()) {
      if (llvm::isSpace(*Pos)) {
        ++Pos;
      } else if (*Pos == '/' && Pos + 1 != Buf.end() && Pos[1] == '/') {
        while (Pos != Buf.end() && *Pos != '\n')
          ++Pos;
      } else {
        break;
      }
    }
  }

  bool lexString(std::string &Out) {
    ++Pos; // opening quote
    while (Pos != Buf.end() && *Pos != '"') {
      if (*Pos == '\\' && Pos + 2 < Buf.end() && llvm::isHexDigit(Pos[1]) &&
          llvm::isHexDigit(Pos[2])) {
        Out += static_cast<char>(llvm::hexFromNibbles(Pos[1], Pos[2]));
        Pos += 3;
      } else if (*Pos == '\\' && Pos + 1 != Buf.end()) {
        char E = Pos[1];
        Out += E == 'n' ? '\n' : E == 't' ? '\t' : E;
        Pos += 2;
      } else {
        Out += *Pos++;
      }
    }
    if (Pos == Buf.end())
      return false;
    ++Pos; // closing quote
    return true;
  }

  llvm::StringRef Buf;
  const char *Pos;
};

class Parser {
public:
  Parser(llvm::StringRef Text, llvm::StringRef Name) : Lex(Text), BufferName(Name.str()) {
    SM.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(Text, Name, false), llvm::SMLoc());
    advance();
  }

  llvm::Expected<std::unique_ptr<Graph>> parse() {
    auto G = std::make_unique<Graph>();
    if (!parseGraphBody(*G))
      return llvm::createStringError(llvm::inconvertibleErrorCode(), Message);
    return G;
  }

private:
  void advance() { Cur = Lex.next(); }

  bool fail(const llvm::Twine &Msg) { return failAt(Cur.Text.begin(), Msg); }

  bool failAt(const char *Where, const llvm::Twine &Msg) {
    if (!Message.empty())
      return false;
    llvm::SMDiagnostic Diag =
        SM.GetMessage(llvm::SMLoc::getFromPointer(Where), llvm::SourceMgr::DK_Error, Msg);
    llvm::raw_string_ostream OS(Message);
    Diag.print(nullptr, OS, /*ShowColors=*/false, /*ShowKindLabel=*/true);
    OS.flush();
    while (!Message.empty() && Message.back() == '\n')
      Message.pop_back();
    return false;
  }

  bool isPunct(char C) const { return Cur.Kind == Tok::Punct && Cur.Text[0] == C; }
  bool isIdent(llvm::StringRef S) const { return Cur.Kind == Tok::Ident && Cur.Text == S; }

  bool expectPunct(char C) {
    if (!isPunct(C))
      return fail(llvm::Twine("expected '") + llvm::Twine(C) + "'");
    advance();
    return true;
  }

  bool expectIdent(llvm::StringRef S) {
    if (!isIdent(S))
      return fail("expected '" + S + "'");
    advance();
    return true;
  }

  bool parseInt(int64_t &Out) {
    if (Cur.Kind != Tok::Number || Cur.Text.getAsInteger(10, Out))
      return fail("expected an integer");
    advance();
    return true;
  }

  bool parseDouble(double &Out) {
    if (Cur.Kind == Tok::Ident && (Cur.Text == "inf" || Cur.Text == "nan")) {
      Out = Cur.Text == "inf" ? INFINITY : NAN;
      advance();
      return true;
    }
    if (Cur.Kind != Tok::Number)
      return fail("expected a number");
    std::string S(Cur.Text);
    char *End = nullptr;
    Out = std::strtod(S.c_str(), &End);
    if (End != S.c_str() + S.size())
      return fail("malformed number");
    advance();
    return true;
  }

  static bool looksFloat(llvm::StringRef Text) {
    return Text.find_first_of(".eEni") != llvm::StringRef::npos;
  }

  template <typename Fn> bool parseList(Fn ParseOne) {
    if (!expectPunct('['))
      return false;
    if (isPunct(']')) {
      advance();
      return true;
    }
    while (true) {
      if (!ParseOne())
        return false;
      if (isPunct(']')) {
        advance();
        return true;
      }
      if (!expectPunct(','))
        return false;
    }
  }

  bool parseType(TensorType &T) {
    if (Cur.Kind != Tok::Ident)
      return fail("expected an element type");
    auto Elem = parseDType(Cur.Text);
    if (!Elem)
      return fail("unknown element type '" + Cur.Text + "'");
    T.Elem = *Elem;
    advance();
    T.Dims.clear();
    if (!parseList([&] {
          if (isPunct('?')) {
            advance();
            T.Dims.push_back(-1);
            return true;
          }
          int64_t D;
          if (!parseInt(D))
            return false;
          T.Dims.push_back(D);
          return true;
        }))
      return false;
    if (llvm::Expected<int64_t> N = limits::checkShape(T.Dims, "the type", /*AllowBatch=*/true); !N)
      return fail(llvm::toString(N.takeError()));
    T.Quant.reset();
    T.Range.reset();
    if (isIdent("q") && !parseQuant(T))
      return false;
    if (isIdent("range") && !parseRange(T))
      return false;
    return true;
  }

  /// `range(lo:hi:step)`; the verifier checks that the values make sense.
  bool parseRange(TensorType &T) {
    advance();
    ValueRange R;
    if (!expectPunct('(') || !parseInt(R.Lo) || !expectPunct(':') || !parseInt(R.Hi) ||
        !expectPunct(':') || !parseInt(R.Step) || !expectPunct(')'))
      return false;
    T.Range = R;
    return true;
  }

  bool parseQuant(TensorType &T) {
    advance();
    QuantParams Q;
    if (!expectPunct('('))
      return false;
    if (isIdent("axis")) {
      advance();
      if (!expectPunct('=') || !parseInt(Q.Axis) || !expectPunct(',') || !expectIdent("scale") ||
          !expectPunct('=') || !parseList([&] {
            double D;
            if (!parseDouble(D))
              return false;
            Q.Scale.push_back(D);
            return true;
          }) ||
          !expectPunct(',') || !expectIdent("zp") || !expectPunct('=') || !parseList([&] {
            int64_t Z = 0;
            if (!parseInt(Z))
              return false;
            Q.ZeroPoint.push_back(Z);
            return true;
          }))
        return false;
      if (Q.Scale.size() != Q.ZeroPoint.size() || Q.Scale.empty())
        return fail("per-channel scale and zp lists must have the same, non-zero length");
    } else {
      double S;
      int64_t Z = 0;
      if (!expectIdent("scale") || !expectPunct('=') || !parseDouble(S) || !expectPunct(',') ||
          !expectIdent("zp") || !expectPunct('=') || !parseInt(Z))
        return false;
      Q.Scale = {S};
      Q.ZeroPoint = {Z};
    }
    if (!expectPunct(')'))
      return false;
    T.Quant = std::move(Q);
    return true;
  }

  bool parseAttribute(Attribute &A) {
    if (Cur.Kind == Tok::String) {
      A = Cur.Str;
      advance();
      return true;
    }
    if (Cur.Kind == Tok::Number || isIdent("inf") || isIdent("nan")) {
      if (Cur.Kind == Tok::Number && !looksFloat(Cur.Text)) {
        int64_t I = 0;
        if (!parseInt(I))
          return false;
        A = I;
        return true;
      }
      double D;
      if (!parseDouble(D))
        return false;
      A = D;
      return true;
    }
    if (!isPunct('['))
      return fail("expected an attribute value");
    std::vector<int64_t> Ints;
    std::vector<double> Floats;
    bool IsFloat = false;
    if (!parseList([&] {
          if (Cur.Kind == Tok::Number && !looksFloat(Cur.Text) && !IsFloat) {
            int64_t I = 0;
            if (!parseInt(I))
              return false;
            Ints.push_back(I);
            Floats.push_back(static_cast<double>(I));
            return true;
          }
          IsFloat = true;
          double D;
          if (!parseDouble(D))
            return false;
          Floats.push_back(D);
          return true;
        }))
      return false;
    if (IsFloat)
      A = std::move(Floats);
    else
      A = std::move(Ints);
    return true;
  }

  bool parseValueUse(Graph &G, Value *&Out) {
    if (Cur.Kind == Tok::Ident && Cur.Text == "_") {
      Out = nullptr;
      advance();
      return true;
    }
    if (Cur.Kind != Tok::ValueRef)
      return fail("expected a value");
    Out = G.findValue(Cur.Str);
    if (!Out)
      return fail("use of undefined value '%" + Cur.Str + "'");
    advance();
    return true;
  }

  bool defineValue(Graph &G, const std::string &Name, TensorType Type, Value *&Out) {
    if (G.findValue(Name))
      return fail("redefinition of value '%" + Name + "'");
    Out = G.addValue(Name, std::move(Type));
    return true;
  }

  bool parseConstant(Graph &G, const std::string &Name) {
    advance(); // const
    TensorType T;
    if (!expectPunct(':') || !parseType(T) || !expectIdent("dense") || !expectPunct('<'))
      return false;
    if (isIdent("elided"))
      return fail("elided constants cannot be parsed; print without elision");
    Tensor Data(T.Elem, T.Dims, {});
    bool Single = T.Elem == DType::F32 || T.Elem == DType::F16;
    bool Whole = isInteger(T.Elem) || T.Elem == DType::Bool;
    if (!parseList([&] {
          const char *At = Cur.Text.begin();
          double D;
          if (Single && Cur.Kind == Tok::Number) {
            std::string S(Cur.Text);
            D = std::strtof(S.c_str(), nullptr);
            advance();
          } else if (!parseDouble(D)) {
            return false;
          }
          if (Whole && !holdsInteger(T.Elem, D))
            return failAt(At, fmt::format("constant '%{}' element {} ({}) is not a whole number "
                                          "that {} can hold",
                                          Name, Data.Data.size(), D, dtypeName(T.Elem).str()));
          Data.Data.push_back(D);
          return true;
        }))
      return false;
    if (!expectPunct('>'))
      return false;
    for (int64_t D : T.Dims)
      if (D < 0)
        return fail("a constant cannot have a dynamic dimension");
    if (static_cast<int64_t>(Data.Data.size()) != numElements(T.Dims))
      return fail("constant '%" + Name + "' has " + llvm::Twine(Data.Data.size()) +
                  " elements but its type needs " + llvm::Twine(numElements(T.Dims)));
    if (G.findValue(Name))
      return fail("redefinition of value '%" + Name + "'");
    G.addConstant(Name, std::move(Data), T.Quant)->Type.Range = T.Range;
    return true;
  }

  bool parseOp(Graph &G, std::vector<std::string> ResultNames) {
    std::string Kind(Cur.Text);
    advance();
    if (Cur.Kind != Tok::String)
      return fail("expected the op's name as a string");
    std::string Name = Cur.Str;
    advance();
    std::vector<Value *> Operands;
    if (!expectPunct('('))
      return false;
    while (!isPunct(')')) {
      Value *V;
      if (!parseValueUse(G, V))
        return false;
      Operands.push_back(V);
      if (isPunct(','))
        advance();
      else if (!isPunct(')'))
        return fail("expected ',' or ')'");
    }
    advance();
    AttrMap Attrs;
    if (isPunct('{')) {
      advance();
      while (!isPunct('}')) {
        if (Cur.Kind != Tok::Ident)
          return fail("expected an attribute name");
        std::string AttrName(Cur.Text);
        advance();
        Attribute A;
        if (!expectPunct('=') || !parseAttribute(A))
          return false;
        Attrs.set(AttrName, std::move(A));
        if (isPunct(','))
          advance();
        else if (!isPunct('}'))
          return fail("expected ',' or '}'");
      }
      advance();
    }
    if (!expectPunct(':'))
      return false;
    std::vector<Value *> Results;
    for (size_t I = 0; I < ResultNames.size(); ++I) {
      if (I && !expectPunct(','))
        return false;
      TensorType T;
      if (!parseType(T))
        return false;
      Value *R;
      if (!defineValue(G, ResultNames[I], std::move(T), R))
        return false;
      Results.push_back(R);
    }
    G.addOp(Kind, Name, std::move(Operands), std::move(Results), std::move(Attrs));
    return true;
  }

  bool parseGraphBody(Graph &G) {
    if (!expectIdent("graph"))
      return false;
    if (Cur.Kind != Tok::AtName)
      return fail("expected the graph name '@name'");
    G.Name = Cur.Str;
    advance();
    if (!expectPunct('('))
      return false;
    while (!isPunct(')')) {
      if (Cur.Kind != Tok::ValueRef)
        return fail("expected a graph input '%name'");
      std::string Name = Cur.Str;
      advance();
      TensorType T;
      if (!expectPunct(':') || !parseType(T))
        return false;
      Value *In;
      if (!defineValue(G, Name, std::move(T), In))
        return false;
      G.Inputs.push_back(In);
      if (isPunct(','))
        advance();
      else if (!isPunct(')'))
        return fail("expected ',' or ')'");
    }
    advance();
    if (!expectPunct('{'))
      return false;
    while (!isIdent("return")) {
      if (Cur.Kind == Tok::Eof)
        return fail("expected 'return' before the end of the graph");
      std::vector<std::string> Names;
      while (true) {
        if (Cur.Kind != Tok::ValueRef)
          return fail("expected a result '%name' or 'return'");
        Names.push_back(Cur.Str);
        advance();
        if (!isPunct(','))
          break;
        advance();
      }
      if (!expectPunct('='))
        return false;
      if (Cur.Kind != Tok::Ident)
        return fail("expected an op kind or 'const'");
      if (isIdent("const")) {
        if (Names.size() != 1)
          return fail("a constant defines exactly one value");
        if (!parseConstant(G, Names[0]))
          return false;
      } else if (!parseOp(G, std::move(Names))) {
        return false;
      }
    }
    advance(); // return
    while (Cur.Kind == Tok::ValueRef) {
      Value *V;
      if (!parseValueUse(G, V))
        return false;
      G.Outputs.push_back(V);
      if (!isPunct(','))
        break;
      advance();
    }
    if (!expectPunct('}'))
      return false;
    if (Cur.Kind != Tok::Eof)
      return fail("unexpected text after the graph");
    return true;
  }

  Lexer Lex;
  Token Cur;
  std::string BufferName;
  llvm::SourceMgr SM;
  std::string Message;
};

} // namespace

llvm::Expected<std::unique_ptr<Graph>> parseGraph(llvm::StringRef Text,
                                                  llvm::StringRef BufferName) {
  Parser P(Text, BufferName);
  return P.parse();
}

} // namespace qnn

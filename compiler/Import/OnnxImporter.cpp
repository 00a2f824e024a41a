//===- OnnxImporter.cpp - ONNX models into the qnn IR ---------------------===//
//
// Builds the graph node by node. Result types come from the op table's own
// rules (OnnxOps.h), never from the ONNX library's checker or shape
// inference, which would refuse models newer than the linked library.
//
//===----------------------------------------------------------------------===//
#include "qnn/Import/OnnxImporter.h"
#include "OnnxOps.h"
#include "qnn/Support/Limits.h"
#include "qnn/Support/TensorIO.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include <google/protobuf/io/coded_stream.h>
#include <onnx/defs/parser.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <set>

namespace qnn {

namespace {

using onnx_ops::OnnxOpInfo;

class Importer {
public:
  Importer(llvm::StringRef File, const ImportOptions &Opts)
      : File(File.str()), Opts(Opts), G(std::make_unique<Graph>()) {}

  llvm::Expected<std::unique_ptr<Graph>> run(const onnx::ModelProto &M);

private:
  /// Handlers of ops that do not become IR ops (Constant becomes a graph
  /// constant); every other supported op goes through importOp.
  using Handler = llvm::Error (Importer::*)(const onnx::NodeProto &N, llvm::StringRef Name);
  static const llvm::StringMap<Handler> &specialHandlers();

  llvm::Error importInitializers(const onnx::GraphProto &GP);
  llvm::Error importInputs(const onnx::GraphProto &GP);
  llvm::Error importInputDatatypes(const onnx::GraphProto &GP);
  llvm::Expected<TensorType> declaredType(const onnx::ValueInfoProto &VI);
  llvm::Error importNode(const onnx::NodeProto &N, size_t Index);
  llvm::Error importOp(const onnx::NodeProto &N, llvm::StringRef Name, const std::string &Kind);
  llvm::Error collectOperands(const onnx::NodeProto &N, llvm::StringRef Name,
                              std::vector<Value *> &Operands);
  llvm::Error collectAttributes(const onnx::NodeProto &N, llvm::StringRef Name,
                                const std::string &Kind, std::vector<Value *> &Operands,
                                AttrMap &Attrs);
  llvm::Error importConstant(const onnx::NodeProto &N, llvm::StringRef Name);
  llvm::Error importOutputs(const onnx::GraphProto &GP);
  /// Computes the values of \p O's results when its operands are known.
  llvm::Error foldKnown(const OnnxOpInfo &Info, const Op &O);
  /// The value of \p V if it is a constant or was computed at import time.
  const Tensor *knownValue(const Value *V) const {
    if (!V)
      return nullptr;
    return V->isConstant() ? V->Const.get() : Known.lookup(V).get();
  }
  /// Binds an ONNX value name to \p V. ONNX assigns every name once; a
  /// second definition would silently shadow the first for later readers.
  llvm::Error define(const std::string &OnnxName, Value *V, const std::string &DefinedBy) {
    if (OnnxName.empty())
      return llvm::Error::success();
    auto [It, Inserted] = Definers.try_emplace(OnnxName, DefinedBy);
    if (!Inserted)
      return error("value '{}' is defined twice, by {} and before by {}; every ONNX value has "
                   "one producer: rename one of them",
                   OnnxName, DefinedBy, It->second);
    Values[OnnxName] = V;
    return llvm::Error::success();
  }
  /// Counts a new value's elements against the limits: one tensor and all
  /// of them together.
  llvm::Error checkSize(const Shape &Dims, const llvm::Twine &What) {
    llvm::Expected<int64_t> N = limits::checkShape(Dims, What, /*AllowBatch=*/true);
    if (!N)
      return N.takeError();
    return Held.add(static_cast<uint64_t>(*N), What);
  }
  llvm::Error checkOpsets(const onnx::ModelProto &M);
  llvm::Error checkOpExists(const onnx::NodeProto &N, llvm::StringRef Name, int64_t Version);

  template <typename... Ts> llvm::Error error(fmt::format_string<Ts...> Format, Ts &&...Args) {
    return makeError("{}: {}", File, fmt::format(Format, std::forward<Ts>(Args)...));
  }
  llvm::Error nodeError(const onnx::NodeProto &N, llvm::StringRef Name, const llvm::Twine &Msg) {
    return makeError("{}: node '{}' ({}): {}", File, Name.str(), N.op_type(), Msg.str());
  }

  std::string File;
  const ImportOptions &Opts;
  std::unique_ptr<Graph> G;
  /// ONNX value names to IR values, and what defined each name.
  llvm::StringMap<Value *> Values;
  llvm::StringMap<std::string> Definers;
  limits::TotalBytes Held;
  /// Values of op results computable at import time (shape sub-graphs), so
  /// that ops such as Reshape can be typed; the ops stay in the graph.
  llvm::DenseMap<const Value *, std::shared_ptr<const Tensor>> Known;
  /// Opset version per domain ("" for ai.onnx).
  std::map<std::string, int64_t> Opsets;
};

const llvm::StringMap<Importer::Handler> &Importer::specialHandlers() {
  static const llvm::StringMap<Handler> Map = {
      {"onnx.Constant", &Importer::importConstant},
  };
  return Map;
}

/// The versions qnnc reads. IR version 3 brought opset_import. The upper
/// ends are the newest versions whose ops docs/import.md was checked
/// against: a newer model may use semantics qnnc does not know, so it is
/// refused rather than guessed. Old ai.onnx opsets are read op by op: an op
/// must exist in the model's opset (checkOpExists), and the legacy
/// attributes of early definitions (consumed_inputs, broadcast) are refused
/// as unsupported attributes.
constexpr int64_t MinIrVersion = 3, MaxIrVersion = 13;
struct OpsetRange {
  const char *Domain;
  int64_t Min, Max;
};
constexpr OpsetRange KnownOpsets[] = {
    {"", 1, 25},
    {"com.microsoft", 1, 1},
    {"qonnx.custom_op.general", 1, 1},
    {"finn.custom_op.general", 1, 1},
    {"onnx.brevitas", 1, 1},
};

llvm::Error Importer::checkOpsets(const onnx::ModelProto &M) {
  if (M.ir_version() < MinIrVersion || M.ir_version() > MaxIrVersion)
    return error("IR version {} is outside the versions {}..{} qnnc reads; export the model "
                 "with an ONNX release whose IR version is in that range",
                 M.ir_version(), MinIrVersion, MaxIrVersion);
  for (const onnx::OperatorSetIdProto &O : M.opset_import()) {
    std::string Domain = O.domain() == "ai.onnx" ? "" : O.domain();
    std::string Shown = Domain.empty() ? "ai.onnx" : Domain;
    if (!Opsets.emplace(Domain, O.version()).second)
      return error("opset_import names domain '{}' twice", Shown);
    int64_t Min = 1, Max = INT64_MAX;
    for (const OpsetRange &R : KnownOpsets)
      if (Domain == R.Domain)
        std::tie(Min, Max) = std::make_pair(R.Min, R.Max);
    if (O.version() < Min || O.version() > Max)
      return error("opset {} of domain '{}' is outside the versions {}..{} qnnc reads{}",
                   O.version(), Shown, Min, Max,
                   Domain.empty() ? "; convert the model (onnx.version_converter) to one of "
                                    "them"
                                  : "");
  }
  return llvm::Error::success();
}

/// A node of an op that did not exist yet in the model's opset is damaged
/// or mislabelled. Opsets newer than the linked ONNX library knows are taken
/// as they come (the op table follows the newest definitions).
llvm::Error Importer::checkOpExists(const onnx::NodeProto &N, llvm::StringRef Name,
                                    int64_t Version) {
  const auto &Known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  int LibraryNewest = Known.at(onnx::ONNX_DOMAIN).second;
  if (Version > LibraryNewest ||
      onnx::OpSchemaRegistry::Schema(N.op_type(), static_cast<int>(Version), onnx::ONNX_DOMAIN))
    return llvm::Error::success();
  const onnx::OpSchema *Later =
      onnx::OpSchemaRegistry::Schema(N.op_type(), LibraryNewest, onnx::ONNX_DOMAIN);
  if (!Later)
    return llvm::Error::success(); // unknown to ONNX too: the op table refuses it
  return nodeError(N, Name,
                   "the op does not exist in ai.onnx opset " + llvm::Twine(Version) +
                       ", which the model imports; it was defined later (opset " +
                       llvm::Twine(Later->SinceVersion()) +
                       " has it): fix the model's opset_import");
}

llvm::Expected<std::unique_ptr<Graph>> Importer::run(const onnx::ModelProto &M) {
  if (!M.has_graph())
    return error("the model has no graph");
  if (llvm::Error E = checkOpsets(M))
    return E;
  const onnx::GraphProto &GP = M.graph();
  if (GP.sparse_initializer_size() > 0)
    return error("sparse initializers are not supported; store them as dense tensors");
  if (llvm::Error E = importInitializers(GP))
    return E;
  if (llvm::Error E = importInputs(GP))
    return E;
  if (llvm::Error E = importInputDatatypes(GP))
    return E;
  for (int I = 0; I < GP.node_size(); ++I)
    if (llvm::Error E = importNode(GP.node(I), static_cast<size_t>(I)))
      return E;
  if (llvm::Error E = importOutputs(GP))
    return E;
  return std::move(G);
}

llvm::Error Importer::importInitializers(const onnx::GraphProto &GP) {
  for (const onnx::TensorProto &P : GP.initializer()) {
    auto T = tensorFromProto(P, File);
    if (!T)
      return T.takeError();
    if (llvm::Error E =
            Held.add(static_cast<uint64_t>(T->size()), "initializer '" + P.name() + "'"))
      return addContext(std::move(E), File);
    if (llvm::Error E = define(P.name(), G->addConstant(P.name(), std::move(*T)), "an initializer"))
      return E;
  }
  return llvm::Error::success();
}

llvm::Expected<TensorType> Importer::declaredType(const onnx::ValueInfoProto &VI) {
  const std::string &Name = VI.name();
  if (!VI.type().has_tensor_type())
    return error("input '{}' is not a tensor; qnnc takes tensor inputs only", Name);
  const auto &TT = VI.type().tensor_type();
  std::optional<DType> Elem = dtypeFromOnnx(TT.elem_type());
  if (!Elem)
    return error("input '{}' has ONNX element type {}, which qnnc does not know", Name,
                 TT.elem_type());
  if (!isSupported(*Elem))
    return error("input '{}' has element type {}, which qnnc does not support", Name,
                 dtypeName(*Elem).str());
  auto Fixed = Opts.Shapes.find(Name);
  if (!TT.has_shape()) {
    if (Fixed == Opts.Shapes.end())
      return error("input '{}' has no shape; give it with --shape {}=D0,D1,...", Name, Name);
    return TensorType{*Elem, Fixed->second, std::nullopt};
  }
  const auto &Dims = TT.shape().dim();
  if (Fixed != Opts.Shapes.end() && static_cast<int>(Fixed->second.size()) != Dims.size())
    return error("--shape {} gives {} dimensions, the input has rank {}", Name,
                 Fixed->second.size(), Dims.size());
  Shape S;
  for (int A = 0; A < Dims.size(); ++A) {
    const auto &D = Dims[A];
    if (D.has_dim_value()) {
      if (D.dim_value() < 0)
        return error("input '{}' has a negative size {} at axis {}", Name, D.dim_value(), A);
      if (Fixed != Opts.Shapes.end() && Fixed->second[A] != D.dim_value())
        return error("--shape {} gives size {} at axis {}, the model declares {}", Name,
                     Fixed->second[A], A, D.dim_value());
      S.push_back(D.dim_value());
    } else if (Fixed != Opts.Shapes.end()) {
      S.push_back(Fixed->second[A]);
    } else if (A == 0) {
      S.push_back(-1); // the symbolic batch
    } else if (D.has_dim_param()) {
      return error("input '{}' has symbolic dimension '{}' at axis {}; give its size with "
                   "--shape {}=...",
                   Name, D.dim_param(), A, Name);
    } else {
      return error("input '{}' has an unknown dimension at axis {}; give its size with "
                   "--shape {}=...",
                   Name, A, Name);
    }
  }
  return TensorType{*Elem, S, std::nullopt};
}

/// Whether a bound tensor agrees with the declared type ('?' matches any size).
bool bindingMatches(const TensorType &Declared, const Tensor &T) {
  if (Declared.Elem != T.Type || Declared.Dims.size() != T.Dims.size())
    return false;
  for (size_t I = 0; I < T.Dims.size(); ++I)
    if (Declared.Dims[I] >= 0 && Declared.Dims[I] != T.Dims[I])
      return false;
  return true;
}

llvm::Error Importer::importInputs(const onnx::GraphProto &GP) {
  // Old IR versions list initializers among the inputs: they are constants.
  std::set<std::string> Inputs;
  for (const onnx::ValueInfoProto &VI : GP.input())
    if (!Values.count(VI.name()))
      Inputs.insert(VI.name());
  for (const auto &[Name, T] : Opts.Bindings) {
    if (Inputs.count(Name))
      continue;
    if (Values.count(Name))
      return error("--bind names '{}', which is an initializer and already a constant", Name);
    return error("--bind names '{}', which is not an input of the graph", Name);
  }
  for (const auto &[Name, S] : Opts.Shapes)
    if (!Inputs.count(Name))
      return error("--shape names '{}', which is not an input of the graph", Name);

  for (const onnx::ValueInfoProto &VI : GP.input()) {
    const std::string &Name = VI.name();
    if (!Inputs.count(Name))
      continue;
    auto Bound = Opts.Bindings.find(Name);
    if (Bound != Opts.Bindings.end()) {
      // A bound input may keep symbolic dimensions: the tensor fixes them.
      TensorType Declared;
      if (VI.type().has_tensor_type()) {
        const auto &TT = VI.type().tensor_type();
        Declared.Elem = dtypeFromOnnx(TT.elem_type()).value_or(DType::F32);
        for (const auto &D : TT.shape().dim())
          Declared.Dims.push_back(D.has_dim_value() ? D.dim_value() : -1);
        if (!TT.has_shape())
          Declared.Dims = Bound->second.Dims;
      }
      if (!bindingMatches(Declared, Bound->second))
        return error("--bind {}: the file holds {}, the input is declared {}", Name,
                     onnx_ops::typeString(Bound->second.Type, Bound->second.Dims),
                     onnx_ops::typeString(Declared.Elem, Declared.Dims));
      if (llvm::Error E = define(Name, G->addConstant(Name, Bound->second), "a graph input"))
        return E;
      continue;
    }
    auto Type = declaredType(VI);
    if (!Type)
      return Type.takeError();
    if (llvm::Error E = checkSize(Type->Dims, "input '" + Name + "'"))
      return addContext(std::move(E), File);
    Value *V = G->addValue(Name, std::move(*Type));
    G->Inputs.push_back(V);
    if (llvm::Error E = define(Name, V, "a graph input"))
      return E;
  }
  return llvm::Error::success();
}

/// FINN marks integer-valued float inputs with a `finn_datatype` quantization
/// annotation (BIPOLAR, BINARY, INTn, UINTn). The input then reads through
/// the QONNX quantizer that is the identity on those values, so that the
/// compiler sees where the integers come from; other values are quantized
/// the way that quantizer would.
llvm::Error Importer::importInputDatatypes(const onnx::GraphProto &GP) {
  for (const onnx::TensorAnnotation &A : GP.quantization_annotation()) {
    Value *In = G->findValue(A.tensor_name());
    if (!In || !llvm::is_contained(G->Inputs, In))
      continue;
    for (const onnx::StringStringEntryProto &E : A.quant_parameter_tensor_names()) {
      if (E.key() != "finn_datatype")
        continue;
      llvm::StringRef Type = E.value();
      auto Scalar = [&](llvm::StringRef Suffix, double V) {
        return G->addConstant(In->Name + ".finn_" + Suffix.str(), Tensor(DType::F32, {}, {V}));
      };
      std::string OpName = In->Name + ".finn_datatype";
      Value *R = G->addValue(OpName, In->Type);
      unsigned Bits = 0;
      bool Signed = Type.startswith("INT");
      if (Type == "BIPOLAR") {
        G->addOp("qonnx.BipolarQuant", OpName, {In, Scalar("scale", 1)}, {R});
      } else if (Type == "BINARY" ||
                 (Type.consume_front(Signed ? "INT" : "UINT") && !Type.getAsInteger(10, Bits) &&
                  Bits >= 1 && Bits <= 8)) {
        AttrMap Attrs;
        Attrs.set("signed", int64_t(Signed));
        Attrs.set("narrow", int64_t(0));
        Attrs.set("rounding_mode", std::string("ROUND"));
        G->addOp("qonnx.Quant", OpName,
                 {In, Scalar("scale", 1), Scalar("zero_point", 0),
                  Scalar("bit_width", Bits ? Bits : 1)},
                 {R}, std::move(Attrs));
      } else if (E.value() != "FLOAT32") {
        return error("input '{}' has finn_datatype '{}'; qnnc reads BIPOLAR, BINARY, INT1..INT8, "
                     "UINT1..UINT8 and FLOAT32",
                     In->Name, E.value());
      }
      // Later readers of the input read the quantizer's result instead.
      if (R->Def)
        Values[A.tensor_name()] = R;
    }
  }
  return llvm::Error::success();
}

llvm::Error Importer::importNode(const onnx::NodeProto &N, size_t Index) {
  std::string Name = N.name().empty() ? N.op_type() + "_" + std::to_string(Index) : N.name();
  llvm::StringRef Domain = N.domain();
  std::string Prefix;
  if (Domain.empty() || Domain == "ai.onnx")
    Prefix = "onnx.";
  else if (Domain == "com.microsoft")
    Prefix = "ms.";
  // The QONNX ops: one semantics whichever exporter named the domain.
  else if (Domain == "qonnx.custom_op.general" || Domain == "finn.custom_op.general" ||
           Domain == "onnx.brevitas")
    Prefix = "qonnx.";
  else
    return nodeError(N, Name,
                     "domain '" + Domain +
                         "' is not supported by qnnc; supported domains are "
                         "ai.onnx, com.microsoft, qonnx.custom_op.general, "
                         "finn.custom_op.general and onnx.brevitas");
  // Exporters of the custom domains often leave them out of opset_import;
  // the ai.onnx ops need their opset to be read right.
  if (Prefix == "onnx.") {
    auto Opset = Opsets.find("");
    if (Opset == Opsets.end())
      return nodeError(N, Name, "the model imports no ai.onnx opset; add one to opset_import");
    if (llvm::Error E = checkOpExists(N, Name, Opset->second))
      return E;
  }
  std::string Kind = Prefix + N.op_type();
  auto Special = specialHandlers().find(Kind);
  if (Special != specialHandlers().end())
    return (this->*(Special->second))(N, Name);
  return importOp(N, Name, Kind);
}

/// Converts one ONNX attribute; tensor attributes are handled by the caller.
llvm::Expected<Attribute> convertAttribute(const onnx::AttributeProto &A) {
  switch (A.type()) {
  case onnx::AttributeProto::INT:
    return Attribute(static_cast<int64_t>(A.i()));
  case onnx::AttributeProto::FLOAT:
    return Attribute(static_cast<double>(A.f()));
  case onnx::AttributeProto::STRING:
    return Attribute(A.s());
  case onnx::AttributeProto::INTS:
    return Attribute(std::vector<int64_t>(A.ints().begin(), A.ints().end()));
  case onnx::AttributeProto::FLOATS: {
    std::vector<double> Fs;
    for (float F : A.floats())
      Fs.push_back(F);
    return Attribute(Fs);
  }
  default:
    return makeError("attribute '{}' has a kind (ONNX attribute type {}) that qnnc does not "
                     "support",
                     A.name(), static_cast<int>(A.type()));
  }
}

llvm::Error Importer::collectOperands(const onnx::NodeProto &N, llvm::StringRef Name,
                                      std::vector<Value *> &Operands) {
  for (const std::string &In : N.input()) {
    if (In.empty()) {
      Operands.push_back(nullptr);
      continue;
    }
    auto It = Values.find(In);
    if (It == Values.end())
      return nodeError(N, Name,
                       "input '" + In +
                           "' is not produced by an earlier node, an initializer or "
                           "a graph input; the nodes must be in topological order");
    Operands.push_back(It->second);
  }
  return llvm::Error::success();
}

llvm::Error Importer::collectAttributes(const onnx::NodeProto &N, llvm::StringRef Name,
                                        const std::string &Kind, std::vector<Value *> &Operands,
                                        AttrMap &Attrs) {
  for (const onnx::AttributeProto &A : N.attribute()) {
    // ConstantOfShape's value tensor becomes its second operand.
    if (A.type() == onnx::AttributeProto::TENSOR && Kind == "onnx.ConstantOfShape") {
      auto T = tensorFromProto(A.t(), "");
      if (!T)
        return nodeError(N, Name, "attribute 'value': " + llvm::toString(T.takeError()));
      Operands.resize(std::max<size_t>(Operands.size(), 1));
      Operands.push_back(G->addConstant(Name.str() + "_value", std::move(*T)));
      continue;
    }
    auto Converted = convertAttribute(A);
    if (!Converted)
      return nodeError(N, Name, llvm::toString(Converted.takeError()));
    Attrs.set(A.name(), std::move(*Converted));
  }
  return llvm::Error::success();
}

llvm::Error Importer::importOp(const onnx::NodeProto &N, llvm::StringRef Name,
                               const std::string &Kind) {
  const OnnxOpInfo *Info = onnx_ops::lookupOnnxOp(Kind);
  if (!Info)
    return nodeError(N, Name,
                     "op is not supported by qnnc; supported ops are listed in docs/import.md");

  std::vector<Value *> Operands;
  if (llvm::Error E = collectOperands(N, Name, Operands))
    return E;
  AttrMap Attrs;
  if (llvm::Error E = collectAttributes(N, Name, Kind, Operands, Attrs))
    return E;
  while (!Operands.empty() && !Operands.back())
    Operands.pop_back();
  if (Operands.size() < Info->MinOperands || Operands.size() > Info->MaxOperands)
    return nodeError(N, Name,
                     llvm::Twine("has ") + llvm::Twine(Operands.size()) + " inputs, the op takes " +
                         llvm::Twine(Info->MinOperands) + " to " + llvm::Twine(Info->MaxOperands));
  for (unsigned I = 0; I < Info->MinOperands; ++I)
    if (!Operands[I])
      return nodeError(N, Name, "required input " + llvm::Twine(I) + " is empty");
  for (int I = static_cast<int>(Info->NumResults); I < N.output_size(); ++I)
    if (!N.output(I).empty())
      return nodeError(N, Name,
                       "output " + llvm::Twine(I) + " ('" + N.output(I) +
                           "') is not supported; only the first " + llvm::Twine(Info->NumResults) +
                           " can be used");

  std::vector<Value *> Results;
  for (unsigned I = 0; I < Info->NumResults; ++I) {
    std::string OutName = I < static_cast<unsigned>(N.output_size()) ? N.output(I) : "";
    Results.push_back(G->addValue(
        OutName.empty() ? Name.str() + "_out" + std::to_string(I) : OutName, TensorType{}));
  }
  Op *O = G->addOp(Kind, Name, Operands, Results, std::move(Attrs));
  if (llvm::Error E = onnx_ops::checkAttributes(*Info, *O))
    return nodeError(N, Name, llvm::toString(std::move(E)));
  if (Info->Normalize) {
    auto Opset = Opsets.find(N.domain() == "ai.onnx" ? "" : N.domain());
    int64_t Version = Opset == Opsets.end() ? 0 : Opset->second;
    if (llvm::Error E = Info->Normalize(*O, Version))
      return nodeError(N, Name, llvm::toString(std::move(E)));
  }
  if (Info->Warn) {
    std::string Note = Info->Warn(*O);
    if (!Note.empty())
      emitWarning(llvm::Twine(File) + ": node '" + Name + "' (" + N.op_type() + "): " + Note);
  }

  std::vector<const Tensor *> KnownOperands;
  for (const Value *V : O->Operands)
    KnownOperands.push_back(knownValue(V));
  onnx_ops::InferContext C(*O, KnownOperands, Info->NumResults);
  if (llvm::Error E = Info->Infer(C))
    return nodeError(N, Name, llvm::toString(std::move(E)));
  for (unsigned I = 0; I < Info->NumResults; ++I) {
    if (llvm::Error E = checkSize(C.Results[I].Dims, "result " + llvm::Twine(I)))
      return nodeError(N, Name, llvm::toString(std::move(E)));
    Results[I]->Type = C.Results[I];
    if (llvm::Error E = define(I < static_cast<unsigned>(N.output_size()) ? N.output(I) : "",
                               Results[I], "node '" + Name.str() + "' (" + N.op_type() + ")"))
      return E;
  }
  if (llvm::Error E = foldKnown(*Info, *O))
    return nodeError(N, Name, llvm::toString(std::move(E)));
  return llvm::Error::success();
}

llvm::Error Importer::foldKnown(const OnnxOpInfo &Info, const Op &O) {
  // Shape computations are small; larger results (dequantized weights, say)
  // are left to the folding pass rather than computed twice.
  constexpr int64_t MaxFoldedElements = 4096;
  for (const Value *R : O.Results)
    if (llvm::any_of(R->Type.Dims, [](int64_t D) { return D < 0; }) ||
        numElements(R->Type.Dims) > MaxFoldedElements)
      return llvm::Error::success();
  std::vector<const Tensor *> In;
  // Shape needs only the operand's dimensions, which must be static.
  Tensor ShapeOnly;
  for (const Value *V : O.Operands) {
    const Tensor *T = knownValue(V);
    if (V && !T) {
      if (!Info.ShapeOnly || llvm::any_of(V->Type.Dims, [](int64_t D) { return D < 0; }))
        return llvm::Error::success();
      ShapeOnly.Type = V->Type.Elem;
      ShapeOnly.Dims = V->Type.Dims;
      T = &ShapeOnly;
    }
    In.push_back(T);
  }
  std::vector<Tensor> Out;
  if (llvm::Error E = onnx_ops::evaluate(Info, O, In, Out))
    return E;
  for (size_t I = 0; I < Out.size(); ++I)
    Known[O.Results[I]] = std::make_shared<const Tensor>(std::move(Out[I]));
  return llvm::Error::success();
}

llvm::Error Importer::importConstant(const onnx::NodeProto &N, llvm::StringRef Name) {
  if (N.output_size() != 1 || N.attribute_size() != 1)
    return nodeError(N, Name, "Constant must have one output and exactly one value attribute");
  const onnx::AttributeProto &A = N.attribute(0);
  const std::string &Attr = A.name();
  Tensor T;
  if (Attr == "value") {
    auto V = tensorFromProto(A.t(), "");
    if (!V)
      return nodeError(N, Name, llvm::toString(V.takeError()));
    T = std::move(*V);
  } else if (Attr == "value_float") {
    T = Tensor(DType::F32, {}, {A.f()});
  } else if (Attr == "value_floats") {
    T = Tensor(DType::F32, {A.floats_size()},
               std::vector<double>(A.floats().begin(), A.floats().end()));
  } else if (Attr == "value_int") {
    T = Tensor(DType::I64, {}, {static_cast<double>(A.i())});
  } else if (Attr == "value_ints") {
    T = Tensor(DType::I64, {A.ints_size()});
    for (int I = 0; I < A.ints_size(); ++I)
      T.Data[I] = static_cast<double>(A.ints(I));
  } else {
    return nodeError(N, Name,
                     "attribute '" + Attr +
                         "' is not supported; qnnc takes value, value_float(s) and "
                         "value_int(s)");
  }
  if (llvm::Error E = checkSize(T.Dims, "the value"))
    return nodeError(N, Name, llvm::toString(std::move(E)));
  return define(N.output(0), G->addConstant(N.output(0), std::move(T)),
                "node '" + Name.str() + "' (Constant)");
}

llvm::Error Importer::importOutputs(const onnx::GraphProto &GP) {
  if (GP.output_size() == 0)
    return error("the graph has no outputs");
  std::set<std::string> Seen;
  for (const onnx::ValueInfoProto &VI : GP.output()) {
    if (!Seen.insert(VI.name()).second)
      return error("graph output '{}' is listed twice; list each output once", VI.name());
    auto It = Values.find(VI.name());
    if (It == Values.end())
      return error("graph output '{}' is not produced by any node", VI.name());
    Value *V = It->second;
    if (VI.type().has_tensor_type() && VI.type().tensor_type().elem_type() != 0) {
      int32_t Declared = VI.type().tensor_type().elem_type();
      std::optional<DType> T = dtypeFromOnnx(Declared);
      if (T && !isSupported(*T))
        return error("output '{}' has element type {}, which qnnc does not support", VI.name(),
                     dtypeName(*T).str());
      if (T != V->Type.Elem)
        return error("output '{}' is declared with ONNX element type {}, its producer "
                     "computes {}",
                     VI.name(), Declared, dtypeName(V->Type.Elem).str());
    }
    G->Outputs.push_back(V);
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Graph>> importModel(const onnx::ModelProto &M, llvm::StringRef File,
                                                   const ImportOptions &Opts) {
  Importer I(File, Opts);
  return I.run(M);
}

} // namespace

llvm::Expected<std::unique_ptr<Graph>>
importOnnxText(llvm::StringRef Text, llvm::StringRef SourceName, const ImportOptions &Opts) {
  // "//" lines hold lit's RUN and CHECK lines; blanking them keeps line
  // numbers of the parser's messages right.
  std::string Stripped;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n');
  for (llvm::StringRef Line : Lines) {
    if (!Line.ltrim().startswith("//"))
      Stripped += Line;
    Stripped += '\n';
  }
  onnx::ModelProto M;
  onnx::Status S = onnx::OnnxParser::Parse(M, Stripped.c_str());
  if (!S.IsOK()) {
    // The parser's message spans lines (position, context, reason): one line.
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    llvm::StringRef(S.ErrorMessage()).split(Parts, '\n', -1, /*KeepEmpty=*/false);
    std::string Message;
    for (llvm::StringRef Part : Parts)
      Message += (Message.empty() ? "" : "; ") + Part.trim().rtrim('.').str();
    return makeError("{}: not valid ONNX text syntax: {}", SourceName.str(), Message);
  }
  return importModel(M, SourceName, Opts);
}

llvm::Expected<std::unique_ptr<Graph>>
importOnnxBytes(llvm::StringRef Bytes, llvm::StringRef Name, const ImportOptions &Opts) {
  onnx::ModelProto M;
  google::protobuf::io::CodedInputStream Stream(reinterpret_cast<const uint8_t *>(Bytes.data()),
                                                static_cast<int>(Bytes.size()));
  Stream.SetTotalBytesLimit(INT32_MAX);
  if (Bytes.size() > INT32_MAX || !M.ParseFromCodedStream(&Stream) ||
      !Stream.ConsumedEntireMessage() || !M.has_ir_version())
    return makeError("{}: not a valid ONNX model (the file is truncated, damaged or not a "
                     "serialized onnx.ModelProto)",
                     Name.str());
  return importModel(M, Name, Opts);
}

llvm::Expected<std::unique_ptr<Graph>> importOnnxFile(llvm::StringRef Path,
                                                      const ImportOptions &Opts) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!Buffer)
    return makeError("{}: {}", Path.str(), Buffer.getError().message());
  llvm::StringRef Bytes = (*Buffer)->getBuffer();
  if (llvm::sys::path::extension(Path) == ".onnxtext")
    return importOnnxText(Bytes, Path, Opts);
  return importOnnxBytes(Bytes, Path, Opts);
}

llvm::Error addBindingOption(ImportOptions &Opts, llvm::StringRef Spec) {
  auto [Name, File] = Spec.split('=');
  if (Name.empty() || File.empty())
    return makeError("--bind value '{}' is not NAME=FILE", Spec.str());
  if (Opts.Bindings.count(Name.str()))
    return makeError("--bind value '{}': input '{}' is already bound", Spec.str(), Name.str());
  auto T = readTensorFile(File);
  if (!T)
    return addContext(T.takeError(), "--bind " + Spec);
  Opts.Bindings[Name.str()] = std::move(T->Value);
  return llvm::Error::success();
}

llvm::Error addShapeOption(ImportOptions &Opts, llvm::StringRef Spec) {
  auto [Name, DimsText] = Spec.split('=');
  if (Name.empty() || DimsText.empty())
    return makeError("--shape value '{}' is not NAME=D0,D1,...", Spec.str());
  Shape S;
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  DimsText.split(Parts, ',');
  for (llvm::StringRef P : Parts) {
    int64_t D;
    if (P.trim().getAsInteger(10, D) || D < 1)
      return makeError("--shape value '{}': '{}' is not a positive integer", Spec.str(), P.str());
    S.push_back(D);
  }
  if (Opts.Shapes.count(Name.str()))
    return makeError("--shape value '{}': input '{}' already has a shape", Spec.str(), Name.str());
  Opts.Shapes[Name.str()] = S;
  return llvm::Error::success();
}

} // namespace qnn

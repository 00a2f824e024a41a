//===- ResultsJson.cpp - Monte-Carlo results as JSON files ----------------===//
#include "ResultsJson.h"
#include "MonteCarloOptions.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Json.h"
#include "qnn/Support/Limits.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include <fmt/format.h>
#include <map>
#include <set>

using namespace llvm;

namespace qnn::eval {

static json::Value fileJson(const FileId &F) {
  return json::Object{{"name", F.Name}, {"xxhash64", F.Digest}};
}

template <typename T> static json::Value orNull(const std::optional<T> &V) {
  return V ? fileJson(*V) : json::Value(nullptr);
}

/// Everything but the points: the fields that must agree for a merge.
static json::Value settingsJson(const Settings &S) {
  json::Object Analog;
  for (const auto &[Name, Value] : S.Analog)
    Analog[Name] = Value;
  json::Value Swept = nullptr;
  if (S.Swept)
    Swept = json::Object{{"name", S.Swept->Name},
                         {"start", S.Swept->Start},
                         {"stop", S.Swept->Stop},
                         {"count", int64_t(S.Swept->Count)}};
  return json::Object{
      {"format", ResultsFormat},
      {"image", fileJson(S.Image)},
      {"model", orNull(S.Model)},
      {"data", json::Object{{"images", fileJson(S.Images)},
                            {"labels", fileJson(S.Labels)},
                            {"count", S.Count},
                            {"scale", S.Scale}}},
      {"chip", json::Object{{"target", S.Target},
                            {"nmpu", S.Nmpu},
                            {"calibration", orNull(S.Calibration)},
                            {"seed", int64_t(S.Seed)},
                            {"analog", std::move(Analog)}}},
      {"reference", json::Object{{"correct", S.ReferenceCorrect},
                                 {"accuracy", accuracy(S, S.ReferenceCorrect)}}},
      {"sweep", std::move(Swept)},
  };
}

json::Value resultsToJson(const Results &R) {
  json::Array Points;
  for (const PointResult &P : R.Points) {
    json::Array Instances;
    for (const InstanceResult &I : P.Instances)
      Instances.push_back(json::Object{{"index", int64_t(I.Index)},
                                       {"seed", int64_t(R.S.Seed + I.Index)},
                                       {"correct", I.Correct},
                                       {"accuracy", accuracy(R.S, I.Correct)}});
    json::Object Point{{"instances", std::move(Instances)}};
    if (P.Value)
      Point["value"] = *P.Value;
    Points.push_back(std::move(Point));
  }
  json::Value V = settingsJson(R.S);
  (*V.getAsObject())["points"] = std::move(Points);
  return V;
}

/// Prints \p V as llvm::json does (keys sorted), but every number in the
/// shortest form that reads back as the same double: 0.005, where
/// llvm::json's 17 digits would print 0.0050000000000000001.
static void printJson(json::OStream &J, const json::Value &V) {
  if (const json::Object *O = V.getAsObject()) {
    std::vector<StringRef> Keys;
    for (const auto &KV : *O)
      Keys.push_back(KV.first);
    llvm::sort(Keys);
    J.object([&] {
      for (StringRef Key : Keys) {
        J.attributeBegin(Key);
        printJson(J, *O->get(Key));
        J.attributeEnd();
      }
    });
  } else if (const json::Array *A = V.getAsArray()) {
    J.array([&] {
      for (const json::Value &E : *A)
        printJson(J, E);
    });
  } else if (V.kind() == json::Value::Number && !V.getAsInteger()) {
    J.rawValue(fmt::format("{}", *V.getAsNumber()));
  } else {
    J.value(V);
  }
}

Error writeResultsFile(StringRef Path, const Results &R) {
  std::string Text;
  raw_string_ostream OS(Text);
  json::OStream J(OS, /*IndentSize=*/2);
  printJson(J, resultsToJson(R));
  OS << '\n';
  return writeOutputFile(Path, OS.str());
}

namespace {

/// Reads the fields of one results file. The first problem is kept and the
/// reads after it return empty values, so that reading stays a straight
/// list of fields; every problem names the file and the field's path
/// (points[2].instances[0].seed).
class Reader {
public:
  explicit Reader(StringRef Source) : Source(Source.str()) {}

  Error takeError() { return Problem ? makeError("{}: {}", Source, *Problem) : Error::success(); }
  void fail(const std::string &Path, const Twine &What) {
    if (!Problem)
      Problem = "'" + Path + "' " + What.str();
  }
  static std::string join(StringRef Path, StringRef Key) {
    return Path.empty() ? Key.str() : (Path + "." + Key).str();
  }

  /// The object at Key, refusing a key not in \p Keys (an empty list takes
  /// any): a misspelt field would otherwise be dropped by a merge.
  const json::Object &object(const json::Object &O, StringRef Path, StringRef Key,
                             ArrayRef<StringRef> Keys) {
    const json::Object *Found = nullable(O, Path, Key, Keys);
    if (!Found && !Problem)
      fail(join(Path, Key), "must be an object");
    return Found ? *Found : Empty;
  }
  /// The same, or nullptr for null.
  const json::Object *nullable(const json::Object &O, StringRef Path, StringRef Key,
                               ArrayRef<StringRef> Keys) {
    const json::Value *V = get(O, Path, Key);
    if (!V || V->kind() == json::Value::Null)
      return nullptr;
    const json::Object *Found = V->getAsObject();
    if (!Found) {
      fail(join(Path, Key), "must be an object or null");
      return nullptr;
    }
    checkKeys(*Found, join(Path, Key), Keys);
    return Found;
  }
  void checkKeys(const json::Object &O, const std::string &Path, ArrayRef<StringRef> Keys) {
    if (Keys.empty())
      return;
    for (const auto &KV : O)
      if (!is_contained(Keys, StringRef(KV.first)))
        fail(join(Path, KV.first), "is not a field of a results file");
  }
  const json::Array &array(const json::Object &O, StringRef Path, StringRef Key) {
    const json::Value *V = get(O, Path, Key);
    if (V && V->getAsArray())
      return *V->getAsArray();
    if (V)
      fail(join(Path, Key), "must be a list");
    return EmptyArray;
  }
  std::string string(const json::Object &O, StringRef Path, StringRef Key) {
    const json::Value *V = get(O, Path, Key);
    if (V && V->getAsString())
      return V->getAsString()->str();
    if (V)
      fail(join(Path, Key), "must be a string");
    return "";
  }
  double number(const json::Object &O, StringRef Path, StringRef Key) {
    const json::Value *V = get(O, Path, Key);
    if (V && V->getAsNumber())
      return *V->getAsNumber();
    if (V)
      fail(join(Path, Key), "must be a number");
    return 0;
  }
  int64_t integer(const json::Object &O, StringRef Path, StringRef Key, int64_t Min,
                  int64_t Max = INT64_MAX) {
    const json::Value *V = get(O, Path, Key);
    std::optional<int64_t> I = V ? jsonInteger(*V) : std::nullopt;
    if (I && *I >= Min && *I <= Max)
      return *I;
    if (V)
      fail(join(Path, Key), fmt::format("must be an integer from {} to {}", Min, Max));
    return Min;
  }
  FileId file(const json::Object &O, StringRef Path, StringRef Key) {
    return fileIn(object(O, Path, Key, FileKeys), join(Path, Key));
  }
  std::optional<FileId> nullableFile(const json::Object &O, StringRef Path, StringRef Key) {
    if (const json::Object *F = nullable(O, Path, Key, FileKeys))
      return fileIn(*F, join(Path, Key));
    return std::nullopt;
  }
  bool ok() const { return !Problem; }

private:
  const json::Value *get(const json::Object &O, StringRef Path, StringRef Key) {
    const json::Value *V = O.get(Key);
    if (!V)
      fail(join(Path, Key), "is missing");
    return Problem ? nullptr : V;
  }
  FileId fileIn(const json::Object &F, StringRef Path) {
    return {string(F, Path, "name"), string(F, Path, "xxhash64")};
  }

  static constexpr StringRef FileKeys[] = {"name", "xxhash64"};
  std::string Source;
  std::optional<std::string> Problem;
  const json::Object Empty;
  const json::Array EmptyArray;
};

} // namespace

/// Reads the points into \p R, whose settings are read: one per value of
/// the sweep (one without), each instance's seed the settings' seed plus
/// its index.
static void readPoints(Reader &In, const json::Object &Top, Results &R) {
  const Settings &S = R.S;
  const json::Array &Points = In.array(Top, "", "points");
  std::vector<double> Values = S.Swept ? S.Swept->values() : std::vector<double>{0};
  if (In.ok() && Points.size() != Values.size())
    In.fail("points", fmt::format("has {} entries, not one per value of the sweep ({})",
                                  Points.size(), Values.size()));
  for (size_t J = 0; In.ok() && J < Points.size(); ++J) {
    std::string Path = fmt::format("points[{}]", J);
    const json::Object *PointObject = Points[J].getAsObject();
    if (!PointObject) {
      In.fail(Path, "must be an object");
      break;
    }
    In.checkKeys(*PointObject, Path, {"value", "instances"});
    PointResult P;
    if (S.Swept) {
      P.Value = In.number(*PointObject, Path, "value");
      if (In.ok() && *P.Value != Values[J])
        In.fail(Path + ".value",
                fmt::format("is {}, not value {} of the sweep, {}", *P.Value, J, Values[J]));
    } else if (PointObject->get("value")) {
      In.fail(Path + ".value", "is given but the results have no sweep");
    }
    const json::Array &Instances = In.array(*PointObject, Path, "instances");
    if (In.ok() && Instances.empty())
      In.fail(Path + ".instances", "is empty (a run has at least one instance)");
    std::set<uint64_t> Seen;
    for (size_t K = 0; In.ok() && K < Instances.size(); ++K) {
      std::string IPath = fmt::format("{}.instances[{}]", Path, K);
      const json::Object *O = Instances[K].getAsObject();
      if (!O) {
        In.fail(IPath, "must be an object");
        break;
      }
      In.checkKeys(*O, IPath, {"index", "seed", "correct", "accuracy"});
      InstanceResult I;
      I.Index = In.integer(*O, IPath, "index", 0, INT64_MAX - int64_t(S.Seed));
      int64_t Seed = In.integer(*O, IPath, "seed", 0);
      I.Correct = In.integer(*O, IPath, "correct", 0, S.Count);
      In.number(*O, IPath, "accuracy"); // derived from "correct", for readers
      if (In.ok() && uint64_t(Seed) != S.Seed + I.Index)
        In.fail(IPath + ".seed", fmt::format("is {}, but instance {} runs with seed {} (chip.seed "
                                             "+ index)",
                                             Seed, I.Index, S.Seed + I.Index));
      if (In.ok() && !Seen.insert(I.Index).second)
        In.fail(IPath, fmt::format("repeats instance {}", I.Index));
      P.Instances.push_back(I);
    }
    llvm::sort(P.Instances,
               [](const InstanceResult &A, const InstanceResult &B) { return A.Index < B.Index; });
    R.Points.push_back(std::move(P));
  }
}

Expected<Results> resultsFromJson(StringRef Text, StringRef Source) {
  Expected<json::Value> Root = parseJson(Text, Source);
  if (!Root)
    return Root.takeError();
  const json::Object *Top = Root->getAsObject();
  if (!Top)
    return makeError("{}: not a results file of qnn-eval --json (a JSON object)", Source.str());
  Reader In(Source);
  std::string Format = In.string(*Top, "", "format");
  if (In.ok() && Format != ResultsFormat)
    In.fail("format", fmt::format("is '{}', not '{}' (results of this qnn-eval --json)", Format,
                                  ResultsFormat));
  In.checkKeys(*Top, "",
               {"format", "image", "model", "data", "chip", "reference", "sweep", "points"});
  Results R;
  Settings &S = R.S;
  S.Image = In.file(*Top, "", "image");
  S.Model = In.nullableFile(*Top, "", "model");
  const json::Object &Data = In.object(*Top, "", "data", {"images", "labels", "count", "scale"});
  S.Images = In.file(Data, "data", "images");
  S.Labels = In.file(Data, "data", "labels");
  // A data set holds at most one image per tensor element: a bound that
  // also keeps sums of correct counts far from overflowing.
  S.Count = In.integer(Data, "data", "count", 1, limits::MaxElements);
  S.Scale = In.number(Data, "data", "scale");
  const json::Object &Chip =
      In.object(*Top, "", "chip", {"target", "nmpu", "calibration", "seed", "analog"});
  S.Target = In.string(Chip, "chip", "target");
  S.Nmpu = In.string(Chip, "chip", "nmpu");
  S.Calibration = In.nullableFile(Chip, "chip", "calibration");
  S.Seed = In.integer(Chip, "chip", "seed", 0);
  const json::Object &Analog = In.object(Chip, "chip", "analog", {});
  for (const auto &KV : Analog)
    S.Analog.emplace_back(KV.first.str(), In.number(Analog, "chip.analog", KV.first));
  // json::Object iterates in hash order; the names sort for a stable order.
  llvm::sort(S.Analog);
  const json::Object &Reference = In.object(*Top, "", "reference", {"correct", "accuracy"});
  S.ReferenceCorrect = In.integer(Reference, "reference", "correct", 0, S.Count);
  In.number(Reference, "reference", "accuracy"); // derived from "correct", for readers
  if (const json::Object *Swept =
          In.nullable(*Top, "", "sweep", {"name", "start", "stop", "count"})) {
    S.Swept.emplace();
    S.Swept->Name = In.string(*Swept, "sweep", "name");
    S.Swept->Start = In.number(*Swept, "sweep", "start");
    S.Swept->Stop = In.number(*Swept, "sweep", "stop");
    S.Swept->Count = In.integer(*Swept, "sweep", "count", 1, MaxSweepValues);
  }
  if (In.ok())
    readPoints(In, *Top, R);
  if (Error E = In.takeError())
    return E;
  return R;
}

Expected<Results> readResultsFile(StringRef Path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf = MemoryBuffer::getFile(Path);
  if (!Buf)
    return makeError("{}: cannot read the results: {}", Path.str(), Buf.getError().message());
  return resultsFromJson((*Buf)->getBuffer(), Path);
}

/// The path of the first field in which \p A and \p B differ ("" for the
/// whole values), if any.
static std::optional<std::string> firstDifference(const json::Value &A, const json::Value &B,
                                                  const std::string &Path) {
  const json::Object *OA = A.getAsObject(), *OB = B.getAsObject();
  if (!OA || !OB)
    return A == B ? std::nullopt : std::optional<std::string>(Path);
  std::set<std::string> Keys;
  for (const json::Object *O : {OA, OB})
    for (const auto &KV : *O)
      Keys.insert(KV.first.str());
  for (const std::string &Key : Keys) {
    std::string Field = Path.empty() ? Key : Path + "." + Key;
    const json::Value *VA = OA->get(Key), *VB = OB->get(Key);
    if (!VA || !VB)
      return Field;
    if (std::optional<std::string> D = firstDifference(*VA, *VB, Field))
      return D;
  }
  return std::nullopt;
}

/// A field's value as the file spells it, or "nothing" where it is missing.
static std::string fieldText(const json::Value &Root, StringRef Path) {
  const json::Value *V = &Root;
  SmallVector<StringRef, 4> Keys;
  Path.split(Keys, '.');
  for (StringRef Key : Keys)
    if (V && V->getAsObject())
      V = V->getAsObject()->get(Key);
  if (!V)
    return "nothing";
  std::string Text;
  raw_string_ostream OS(Text);
  json::OStream J(OS);
  printJson(J, *V);
  return OS.str();
}

Expected<Results> mergeResults(ArrayRef<Results> Parts, ArrayRef<std::string> Names) {
  assert(!Parts.empty() && Parts.size() == Names.size() && "one name per part");
  const json::Value First = settingsJson(Parts[0].S);
  // Per point, each instance's correct count and the part it came from.
  std::vector<std::map<uint64_t, std::pair<int64_t, size_t>>> Seen(Parts[0].Points.size());
  for (size_t K = 0; K < Parts.size(); ++K) {
    const json::Value Mine = settingsJson(Parts[K].S);
    if (std::optional<std::string> Field = firstDifference(First, Mine, ""))
      return makeError("{}: '{}' is {}, but {} in {}; only results of the same image, data set "
                       "and chip settings merge",
                       Names[K], *Field, fieldText(Mine, *Field), fieldText(First, *Field),
                       Names[0]);
    if (Parts[K].Points.size() != Seen.size())
      return makeError("{}: {} points, but {} in {}", Names[K], Parts[K].Points.size(), Seen.size(),
                       Names[0]);
    for (size_t J = 0; J < Seen.size(); ++J) {
      const PointResult &P = Parts[K].Points[J];
      for (const InstanceResult &I : P.Instances) {
        auto [It, New] = Seen[J].try_emplace(I.Index, I.Correct, K);
        if (New || It->second.first == I.Correct)
          continue;
        std::string At =
            P.Value ? fmt::format(" at {}={:g}", Parts[0].S.Swept->Name, *P.Value) : std::string();
        return makeError("{}: instance {} (seed {}){} classifies {} images correctly, but {} in "
                         "{}; an instance gives the same result in every run, so one of the "
                         "files comes from another build or input",
                         Names[K], I.Index, Parts[0].S.Seed + I.Index, At, I.Correct,
                         It->second.first, Names[It->second.second]);
      }
    }
  }
  Results Merged;
  Merged.S = Parts[0].S;
  for (size_t J = 0; J < Seen.size(); ++J) {
    PointResult P;
    P.Value = Parts[0].Points[J].Value;
    for (const auto &[Index, CorrectAndPart] : Seen[J])
      P.Instances.push_back({Index, CorrectAndPart.first});
    Merged.Points.push_back(std::move(P));
  }
  return Merged;
}

} // namespace qnn::eval

//===- Floorplan.cpp - Chips, tiles and arrays as an SVG picture -----------===//
//
// Every chip the mapping uses is a grid of tiles, every tile a grid of
// arrays, and every placed block a rectangle at its rows and columns inside
// its array, filled with its layer's colour. Hues follow the golden angle so
// that neighbouring layers differ; a block's tooltip (<title>) names its
// layer, rows, columns and array, since a large model has more layers than a
// legend can list. Arrays are drawn square whatever their rows x columns.
//
//===----------------------------------------------------------------------===//
#include "qnn/Emit/Emit.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/Packing.h"
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace qnn {

namespace {

constexpr double ArrayPx = 28, ArrayGap = 3, TilePad = 6, ChipPad = 14, HeaderPx = 44;
constexpr size_t LegendEntries = 40;

std::string escapeXml(llvm::StringRef Text) {
  std::string Out;
  for (char C : Text) {
    switch (C) {
    case '&':
      Out += "&amp;";
      break;
    case '<':
      Out += "&lt;";
      break;
    case '>':
      Out += "&gt;";
      break;
    case '"':
      Out += "&quot;";
      break;
    default:
      Out += C;
    }
  }
  return Out;
}

std::string layerColour(size_t Index) {
  return fmt::format("hsl({:.1f},65%,55%)", std::fmod(Index * 137.508, 360.0));
}

int64_t gridColumns(int64_t Items) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(std::sqrt(double(Items)))));
}

} // namespace

llvm::Error printFloorplanSvg(const Graph &G, const Target &T, llvm::raw_ostream &OS) {
  struct Layer {
    std::string Name;
    MvmLayer L;
  };
  std::vector<Layer> Layers;
  int64_t Cells = 0, MaxArray = -1;
  if (llvm::Error E = visitMvmLayers(G, [&](const Op &O, const MvmLayer &L) -> llvm::Error {
        if (L.stage() < MvmStage::Placed)
          return opError(O, "the floorplan needs the result of 'place'; run it first");
        for (const MvmBlock &B : L.Blocks) {
          Cells += B.KCount * B.ColCount;
          MaxArray = std::max(MaxArray, B.Array);
        }
        Layers.push_back({O.Name, L});
        return llvm::Error::success();
      }))
    return E;
  const int64_t ArraysPerChip = T.totalArrays();
  const int64_t Chips = MaxArray < 0 ? 1 : MaxArray / ArraysPerChip + 1;
  const int64_t ArrayCols = gridColumns(T.ArraysPerTile);
  const int64_t ArrayRows = llvm::divideCeil(T.ArraysPerTile, ArrayCols);
  const int64_t TileCols = gridColumns(T.Tiles);
  const int64_t TileRows = llvm::divideCeil(T.Tiles, TileCols);
  const double TileW = ArrayCols * (ArrayPx + ArrayGap) + TilePad;
  const double TileH = ArrayRows * (ArrayPx + ArrayGap) + TilePad + 10;
  const double ChipW = TileCols * TileW + ChipPad, ChipH = TileRows * TileH + ChipPad + 14;
  const size_t Legend = std::min(Layers.size(), LegendEntries);
  const double Width = std::max(Chips * ChipW + ChipPad, 420.0);
  const double Height = HeaderPx + ChipH + 20 + 14 * (Legend + 1);

  // Array -> position of its top-left corner.
  auto arrayOrigin = [&](int64_t Array) {
    int64_t Chip = Array / ArraysPerChip, InChip = Array % ArraysPerChip;
    int64_t Tile = InChip / T.ArraysPerTile, Index = InChip % T.ArraysPerTile;
    double X = ChipPad + Chip * ChipW + (Tile % TileCols) * TileW + TilePad / 2 +
               (Index % ArrayCols) * (ArrayPx + ArrayGap);
    double Y = HeaderPx + 14 + (Tile / TileCols) * TileH + 10 + TilePad / 2 +
               (Index / ArrayCols) * (ArrayPx + ArrayGap);
    return std::pair<double, double>(X, Y);
  };

  OS << fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
                    "font-family=\"sans-serif\" font-size=\"11\">\n",
                    Width, Height);
  OS << fmt::format(
      "<text x=\"{}\" y=\"18\" font-size=\"14\">{} on {}: {} chip(s) of {} tiles x {} "
      "arrays of {}x{}</text>\n",
      ChipPad, escapeXml(G.Name), escapeXml(T.Name), Chips, T.Tiles, T.ArraysPerTile, T.Rows,
      T.Cols);
  std::set<int64_t> Used;
  for (const Layer &Ly : Layers)
    for (const MvmBlock &B : Ly.L.Blocks)
      Used.insert(B.Array);
  OS << fmt::format("<text x=\"{}\" y=\"34\">{} arrays used, lower bound {} (ceil of {} cells / {} "
                    "per array); {} layers</text>\n",
                    ChipPad, Used.size(), arraysLowerBound(Cells, T), Cells, T.Rows * T.Cols,
                    Layers.size());
  for (int64_t Chip = 0; Chip < Chips; ++Chip) {
    double CX = ChipPad + Chip * ChipW, CY = HeaderPx;
    OS << fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                      "fill=\"none\" stroke=\"#444\"/>\n<text x=\"{:.1f}\" y=\"{:.1f}\">chip "
                      "{}</text>\n",
                      CX - ChipPad / 2, CY, ChipW, ChipH, CX, CY + 12, Chip);
    for (int64_t Tile = 0; Tile < T.Tiles; ++Tile) {
      auto [AX, AY] = arrayOrigin(Chip * ArraysPerChip + Tile * T.ArraysPerTile);
      OS << fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"8\" fill=\"#666\">tile "
                        "{}</text>\n",
                        AX, AY - 3, Tile);
      for (int64_t Index = 0; Index < T.ArraysPerTile; ++Index) {
        int64_t Array = Chip * ArraysPerChip + Tile * T.ArraysPerTile + Index;
        auto [X, Y] = arrayOrigin(Array);
        OS << fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" "
                          "fill=\"{}\" stroke=\"#bbb\"><title>array {}</title></rect>\n",
                          X, Y, ArrayPx, ArrayPx, Used.count(Array) ? "#fff" : "#eee", Array);
      }
    }
  }
  const double SX = ArrayPx / T.Cols, SY = ArrayPx / T.Rows;
  for (size_t I = 0; I < Layers.size(); ++I) {
    const Layer &Ly = Layers[I];
    for (size_t BI = 0; BI < Ly.L.Blocks.size(); ++BI) {
      const MvmBlock &B = Ly.L.Blocks[BI];
      auto [X, Y] = arrayOrigin(B.Array);
      OS << fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
                        "fill=\"{}\"><title>{} block {}: rows {}..{} at {}, columns {}..{} at {}, "
                        "array {}</title></rect>\n",
                        X + B.ColOffset * SX, Y + B.RowOffset * SY, B.ColCount * SX, B.KCount * SY,
                        layerColour(I), escapeXml(Ly.Name), BI, B.KBegin, B.KBegin + B.KCount - 1,
                        B.RowOffset, B.ColBegin, B.ColBegin + B.ColCount - 1, B.ColOffset, B.Array);
    }
  }
  double LY = HeaderPx + ChipH + 20;
  for (size_t I = 0; I < Legend; ++I, LY += 14)
    OS << fmt::format("<rect x=\"{}\" y=\"{:.0f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                      "<text x=\"{}\" y=\"{:.0f}\">{}</text>\n",
                      ChipPad, LY - 9, layerColour(I), ChipPad + 14, LY, escapeXml(Layers[I].Name));
  if (Layers.size() > Legend)
    OS << fmt::format("<text x=\"{}\" y=\"{:.0f}\">... and {} more layers (a block's tooltip names "
                      "its layer)</text>\n",
                      ChipPad, LY, Layers.size() - Legend);
  OS << "</svg>\n";
  return llvm::Error::success();
}

} // namespace qnn

"""Checks that an SVG file is well-formed XML with an <svg> root and prints
what a reader of the chart sees: its title, every text and how many marks of
each kind it holds, one per line, for FileCheck."""
import collections
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
if root.tag != NS + "svg":
    sys.exit(f"the root element is {root.tag}, not svg")
print("title:", root.find(NS + "title").text)
counts = collections.Counter()
for element in root.iter():
    tag = element.tag[len(NS):] if element.tag.startswith(NS) else element.tag
    counts[tag] += 1
    if tag == "text":
        print("text:", element.text)
for tag in sorted(counts):
    print(f"count {tag}: {counts[tag]}")

"""Builds subgraphs/geo/data/ward_points.tsv from the `vietnamadminunits`
package (PyPI, version 1.0.4, MIT licence, (c) 2025 Tran Ngoc Minh Hieu):
one representative point per commune-level unit of Ho Chi Minh City (79)
since 1 July 2025, plus the point of every former ward (before the 2025
merger) that lies wholly inside one new unit, labelled with that unit.

    pip download --no-deps vietnamadminunits==1.0.4 && unzip vietnamadminunits-1.0.4-py3-none-any.whl
    python3 ward_points.py vietnamadminunits/data > ward_points.tsv
"""
import json, sqlite3, sys

data = sys.argv[1]
db = sqlite3.connect(f"{data}/dataset.db")
converter = json.load(open(f"{data}/converter_2025.json"))
undivided = converter["DICT_PROVINCE_WARD_NO_DIVIDED"]["thanhphohochiminh"]
units = {
    key: (code, lat, lon, area)
    for key, code, lat, lon, area in db.execute(
        "SELECT wardKey, wardCode, wardLat, wardLon, wardAreaKm2 FROM admin_units WHERE provinceCode = '79'"
    )
}
former = {
    f"{p}_{d}_{w}": (name, district, lat, lon)
    for p, d, w, name, district, lat, lon in db.execute(
        "SELECT provinceKey, districtKey, wardKey, ward, district, wardLat, wardLon FROM admin_units_legacy "
        "WHERE provinceCode IN ('79', '74', '77')"
    )
}
print("# Representative points of Ho Chi Minh City's 168 commune-level units (kind unit, with area)")
print("# and of the former wards each new unit wholly absorbed (kind former), from the PyPI package")
print("# vietnamadminunits 1.0.4, MIT License, Copyright (c) 2025 Tran Ngoc Minh Hieu. Built by ward_points.py.")
print("code\tlatitude\tlongitude\tkind\tarea_km2\tname")
rows = []
for key, (code, lat, lon, area) in units.items():
    rows.append((code, 0, f"{code}\t{lat:.6f}\t{lon:.6f}\tunit\t{area:.3f}\t"))
for key, olds in undivided.items():
    code = units[key][0]
    for old in olds:
        if old not in former or former[old][2] is None:
            continue
        name, district, lat, lon = former[old]
        rows.append((code, 1, f"{code}\t{lat:.6f}\t{lon:.6f}\tformer\t\t{name}, {district}"))
for _, _, line in sorted(rows):
    print(line)

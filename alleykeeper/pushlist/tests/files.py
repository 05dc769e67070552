"""Push-list files as they really arrive, built in memory for tests: GBK CSVs with title rows, XLSX
files whose ID column Excel turned into numbers."""

import csv
import io
from datetime import date

import xlsxwriter

HEADER = ["序号", "姓名", "身份证号码", "联系电话", "来源地", "抵达日期", "现住址", "交通方式", "备注"]
TITLES = [["开元街道疫情防控大数据推送名单（第 3 批）"], ["推送单位：区指挥部大数据组", "", "", "日期：2020-02-03"]]


def csv_bytes(rows: list[list], *, encoding: str = "gbk", titles: bool = True, header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if titles:
        writer.writerows(TITLES)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], *, titles: bool = True) -> bytes:
    """Numbers stay numbers (an ID typed into Excel without the text format), strings stay strings."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("名单")
    line = 0
    if titles:
        for title in TITLES:
            sheet.write_row(line, 0, title)
            line += 1
    sheet.write_row(line, 0, HEADER)
    for row in rows:
        line += 1
        for col, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(line, col, value)
            elif isinstance(value, date):
                sheet.write_datetime(line, col, value, workbook.add_format({"num_format": "yyyy-mm-dd"}))
            elif value is not None:
                sheet.write_string(line, col, str(value))
    workbook.close()
    return out.getvalue()


def row(name: str, doc: object = "", phone: object = "", *, origin: str = "湖北省武汉市", arrival: object = "2020-01-25",
        address: str = "", transport: str = "", note: str = "", number: int = 1) -> list:  # fmt: skip
    return [number, name, doc, phone, origin, arrival, address, transport, note]

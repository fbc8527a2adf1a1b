#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes rove(8) from docs/cli.md and docs/profile.md, the one source.

Usage: md2man.py --name 'rove - SUMMARY' --version V -o rove.8 cli.md profile.md

It knows exactly the Markdown those files use and stops with file:line on
anything else, so a construct the page would garble breaks the build:
  '# ' title (first line, once), '## ' sections, '### ' headings;
  paragraphs; fenced code blocks; pipe tables (written as .TP lists: the
  first column is the tag, the second the text, others "Header: cell",
  leaving out cells that are only '—'); '- ' and '1. ' lists whose items
  go on in lines indented to the item's text; `code`, **bold**, *emphasis*,
  [text](target) (a target that is one of the inputs is left out).

The page: the first file's text before its first '##' is SYNOPSIS (its
first code block) and DESCRIPTION; its '## rove CMD' sections are COMMANDS;
then each further file under its title (PROFILE FORMAT); then the first
file's other '##' sections, in order (EXIT STATUS, FILES, ..., SEE ALSO).
"""
import argparse
import os
import re
import subprocess
import sys
import time


class Doc:
    def __init__(self, path):
        self.path = path
        self.lines = open(path, encoding='utf-8').read().split('\n')
        if self.lines and self.lines[-1] == '':
            self.lines.pop()

    def fail(self, lineno, msg):
        sys.exit(f'{self.path}:{lineno}: {msg} (md2man.py does not handle it)')


LIST = re.compile(r'(- |(\d+)\. )')
BLOCK_START = re.compile(r'(#|```|\||[-*+] |\d+\. |[><]|    |\t|=+$|-+$)')


def parse(doc):
    """The file as a list of blocks: (kind, lineno, data)."""
    lines, blocks, i = doc.lines, [], 0
    while i < len(lines):
        line, no = lines[i], i + 1
        if line != line.rstrip():
            doc.fail(no, 'trailing whitespace')
        if not line:
            i += 1
            continue
        m = re.match(r'(#+) (\S.*)$', line)
        if m:
            if len(m.group(1)) > 3:
                doc.fail(no, 'a heading below ###')
            blocks.append(('h', no, (len(m.group(1)), m.group(2))))
            i += 1
        elif line.startswith('```'):
            if not re.fullmatch(r'```[a-z]*', line):
                doc.fail(no, 'a code fence with more than a language name')
            end = i + 1
            while end < len(lines) and lines[end] != '```':
                end += 1
            if end == len(lines):
                doc.fail(no, 'an unclosed code block')
            blocks.append(('code', no, lines[i + 1:end]))
            i = end + 1
        elif line.startswith('|'):
            end = i
            while end < len(lines) and lines[end].startswith('|'):
                end += 1
            rows = [table_row(doc, i + 1 + k, l) for k, l in enumerate(lines[i:end])]
            if len(rows) < 3 or not all(re.fullmatch(r':?-+:?', c) for c in rows[1]):
                doc.fail(no, 'a table without a header, a |---| line and rows')
            for k, r in enumerate(rows):
                if len(r) != len(rows[0]) or len(r) < 2:
                    doc.fail(i + 1 + k, 'a table row with the wrong number of cells')
            blocks.append(('table', no, (rows[0], rows[2:])))
            i = end
        elif LIST.match(line):
            kind = 'ol' if LIST.match(line).group(2) else 'ul'
            items = []
            while i < len(lines) and lines[i]:
                m = LIST.match(lines[i])
                if m:
                    if (kind == 'ol') != bool(m.group(2)):
                        doc.fail(i + 1, 'a list mixing - and 1. items')
                    if kind == 'ol' and int(m.group(2)) != len(items) + 1:
                        doc.fail(i + 1, 'a numbered list not counting 1, 2, 3')
                    width = len(m.group(1))
                    items.append([i + 1, lines[i][width:]])
                elif re.match(' ' * width + r'\S', lines[i]) and not LIST.match(lines[i][width:]):
                    items[-1][1] += '\n' + lines[i][width:]
                else:
                    doc.fail(i + 1, 'a list line neither an item nor indented to its text')
                i += 1
            if i + 1 < len(lines) and LIST.match(lines[i + 1]):
                doc.fail(i + 2, 'a list with blank lines between items')
            blocks.append((kind, no, items))
        elif BLOCK_START.match(line):
            doc.fail(no, 'a line starting like Markdown this converter does not know')
        else:
            end = i
            while end < len(lines) and lines[end]:
                if end > i and BLOCK_START.match(lines[end]):
                    doc.fail(end + 1, 'a block right after a paragraph line (leave a blank line)')
                end += 1
            blocks.append(('p', no, '\n'.join(lines[i:end])))
            i = end
    return blocks


def table_row(doc, no, line):
    if not line.endswith('|') or '\\|' in line:
        doc.fail(no, 'a table row not ending in | or with an escaped |')
    return [c.strip() for c in line[1:-1].split('|')]


def esc(text, code=False):
    """Roff-escapes plain text; in code, '-' is a real minus."""
    out = []
    for ch in text:
        if ch == '\\':
            out.append('\\e')
        elif ch == '-' and code:
            out.append('\\-')
        elif ord(ch) > 127:
            out.append('\\[u%04X]' % ord(ch))
        else:
            out.append(ch)
    return ''.join(out)


def code_span(code):
    """A long span of code may break after its dashes (the page never hyphenates)."""
    s = esc(code, code=True)
    return re.sub(r'(?<=\w)\\-(?=\w)', r'\\-\\:', s) if len(code) > 40 else s


INLINE = re.compile(r'`([^`]+)`|\*\*([^*`]+)\*\*|\*([^*`]+)\*|\[([^\]]+)\]\(([^)\s]+)\)')


def inline(doc, no, text, local, plain=False):
    """Markdown inline text to roff (plain: no font changes, for headings)."""
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(prose(doc, no + text[:pos].count('\n'), text[pos:m.start()]))
        code, bold, emph, ltext, target = m.groups()
        if code is not None:
            s = code_span(code.replace('\n', ' '))
            out.append(s if plain else '\\fB' + s + '\\fR')
        elif bold is not None or emph is not None:
            s = esc(bold or emph)
            out.append(s if plain else ('\\fB' if bold else '\\fI') + s + '\\fR')
        else:
            out.append(inline(doc, no, ltext, local, plain))
            if os.path.basename(target) not in local:
                out.append(' <' + esc(target, code=True) + '>')
        pos = m.end()
    out.append(prose(doc, no + text[:pos].count('\n'), text[pos:]))
    return ''.join(out)


def prose(doc, no, text):
    bad = re.search(r'[`*_<\\]|&\w+;|\]\(', text)
    if bad:
        doc.fail(no + text[:bad.start()].count('\n'), f'{bad.group(0)!r} outside a code span, or an unmatched one')
    return esc(text)


def lines_out(text):
    """Roff input lines for running text: none may start with . or '."""
    out = []
    for line in text.split('\n'):
        line = line.strip()
        out.append('\\&' + line if line[:1] in ('.', "'") else line)
    return out


def render(doc, blocks, local):
    out = []
    for kind, no, data in blocks:
        if kind == 'h':
            level, title = data
            if level != 3:
                doc.fail(no, 'a # or ## heading where the page has no place for it')
            out += ['.PP', '\\fB' + inline(doc, no, title, local, plain=True) + '\\fR']
        elif kind == 'p':
            out += ['.PP'] + lines_out(inline(doc, no, data, local))
        elif kind == 'code':
            out += ['.PP', '.RS 4', '.nf']
            out += ['\\&' + esc(l, code=True) for l in data]
            out += ['.fi', '.RE']
        elif kind in ('ul', 'ol'):
            for k, (ino, text) in enumerate(data):
                mark = '\\(bu 2' if kind == 'ul' else f'{k + 1}. 4'
                out += ['.IP ' + mark] + lines_out(inline(doc, ino, text, local))
        elif kind == 'table':
            header, rows = data
            for row in rows:
                out += ['.TP'] + lines_out(inline(doc, no, row[0], local))
                out += lines_out(inline(doc, no, row[1], local))
                for h, cell in zip(header[2:], row[2:]):
                    if cell != '—':
                        out += ['.br'] + lines_out(inline(doc, no, h.capitalize() + ': ' + cell,
                                                          local))
    return out


def body(doc, blocks, local):
    """render() for text right after a heading, which needs no .PP."""
    out = render(doc, blocks, local)
    return out[1:] if out[:1] == ['.PP'] else out


def sections(doc, blocks):
    """(title, preamble blocks, [(title, lineno, blocks) per ## section])."""
    if not blocks or blocks[0][0] != 'h' or blocks[0][2][0] != 1:
        doc.fail(1, 'a file not starting with a # title')
    title, pre, secs = blocks[0][2][1], [], []
    for b in blocks[1:]:
        if b[0] == 'h' and b[2][0] == 1:
            doc.fail(b[1], 'a second # title')
        if b[0] == 'h' and b[2][0] == 2:
            secs.append((b[2][1], b[1], []))
        elif secs:
            secs[-1][2].append(b)
        elif b[0] == 'h':
            doc.fail(b[1], 'a ### heading before the first ##')
        else:
            pre.append(b)
    return title, pre, secs


def heading(doc, no, macro, title, local):
    text = inline(doc, no, title, local, plain=True)
    if '"' in text:
        doc.fail(no, 'a heading with a double quote')
    return f'{macro} "{text}"'


def page_date(paths):
    """SOURCE_DATE_EPOCH, else the last commit of unchanged inputs, else their mtime."""
    if os.environ.get('SOURCE_DATE_EPOCH'):
        t = int(os.environ['SOURCE_DATE_EPOCH'])
    else:
        t = max(os.stat(p).st_mtime for p in paths)
        git = ['git', '-C', os.path.dirname(os.path.abspath(paths[0]))]
        names = [os.path.abspath(p) for p in paths]
        try:
            dirty = subprocess.run(git + ['status', '--porcelain', '--'] + names,
                                   capture_output=True, text=True, check=True).stdout
            last = subprocess.run(git + ['log', '-1', '--format=%ct', '--'] + names,
                                  capture_output=True, text=True, check=True).stdout
            if not dirty and last.strip():
                t = int(last)
        except (OSError, subprocess.CalledProcessError):
            pass
    return time.strftime('%Y-%m-%d', time.gmtime(t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--name', required=True, help="'rove - what it is'")
    ap.add_argument('--version', required=True)
    ap.add_argument('-o', '--output', required=True)
    ap.add_argument('inputs', nargs='+')
    a = ap.parse_args()
    local = {os.path.basename(p) for p in a.inputs}
    docs = [Doc(p) for p in a.inputs]
    prog, summary = a.name.split(' - ', 1)

    main_doc = docs[0]
    _, pre, secs = sections(main_doc, parse(main_doc))
    if not pre or pre[0][0] != 'code':
        main_doc.fail(1, 'no synopsis code block right after the title')
    out = [f'.\\" Generated by data/md2man.py from {", ".join(sorted(local))}: edit those.',
           f'.TH {prog.upper()} 8 "{page_date(a.inputs)}" "{prog} {a.version}" '
           '"System Manager\'s Manual"', '.nh', '.ad l',
           '.SH NAME', f'{prog} \\- {esc(summary)}',
           '.SH SYNOPSIS', '.nf'] + [esc(l, code=True) for l in pre[0][2]] + ['.fi']
    out += ['.SH DESCRIPTION'] + body(main_doc, pre[1:], local)
    commands = [s for s in secs if re.fullmatch(r'rove [a-z]+', s[0])]
    if commands:
        out.append('.SH COMMANDS')
    for title, no, blocks in commands:
        out += [heading(main_doc, no, '.SS', title, local)] + body(main_doc, blocks, local)
    for doc in docs[1:]:
        title, dpre, dsecs = sections(doc, parse(doc))
        out += [heading(doc, 1, '.SH', title.upper(), local)] + body(doc, dpre, local)
        for stitle, no, blocks in dsecs:
            out += [heading(doc, no, '.SS', stitle, local)] + body(doc, blocks, local)
    for title, no, blocks in secs:
        if (title, no, blocks) not in commands:
            out += [heading(main_doc, no, '.SH', title.upper(), local)]
            out += body(main_doc, blocks, local)
    with open(a.output, 'w', encoding='ascii') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

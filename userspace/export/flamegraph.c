// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include "flamegraph.h"

/* Page before the data: styles and the container. */
static const char head[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"
	"<style>\n"
	"body{font:12px sans-serif;margin:8px;background:#fff}\n"
	"#bar{margin-bottom:6px}#info{margin-left:12px;color:#333}\n"
	"#fg{position:relative;width:100%%}\n"
	".f{position:absolute;height:17px;line-height:17px;overflow:hidden;white-space:nowrap;"
	"box-sizing:border-box;border:1px solid #fff;padding-left:2px;cursor:pointer;"
	"font:11px monospace}\n"
	".f.hit{background:#e040fb!important}\n"
	"</style></head><body>\n"
	"<div id=\"bar\"><b>%s</b> <input id=\"q\" placeholder=\"search (regexp)\"> "
	"<button id=\"reset\">reset zoom</button><span id=\"info\"></span></div>\n"
	"<div id=\"fg\"></div>\n<script>\nconst FOLDED = \"";

/* Page after the data: builds the tree from the folded lines and draws it root at the top. */
static const char tail[] =
	"\";\n"
	"function build(text){const root={n:'all',v:0,c:new Map()};\n"
	" for(const line of text.split('\\n')){const i=line.lastIndexOf(' ');if(i<0)continue;\n"
	"  const v=+line.slice(i+1);if(!(v>0))continue;root.v+=v;let node=root;\n"
	"  for(const name of line.slice(0,i).split(';')){let ch=node.c.get(name);\n"
	"   if(!ch){ch={n:name,v:0,c:new Map(),p:node};node.c.set(name,ch);}ch.v+=v;node=ch;}}\n"
	" return root;}\n"
	"const ROOT=build(FOLDED),fg=document.getElementById('fg'),info=document.getElementById('info');\n"
	"let zoom=ROOT;const H=18;\n"
	"function color(n){let h=0;for(const ch of n)h=(h*31+ch.charCodeAt(0))>>>0;\n"
	" const k=n.endsWith('_[k]');return k?`hsl(${200+h%30},70%,${65+h%15}%)`:"
	"`hsl(${10+h%40},85%,${55+h%20}%)`;}\n"
	"function draw(){fg.innerHTML='';const W=fg.clientWidth;let maxd=0;const q=document.getElementById('q').value;\n"
	" let re=null;try{re=q?new RegExp(q):null}catch(e){}\n"
	" const path=[];for(let a=zoom;a;a=a.p)path.unshift(a);\n"
	" function put(node,x,w,d){if(w<1)return;maxd=Math.max(maxd,d);const e=document.createElement('div');\n"
	"  e.className='f'+(re&&re.test(node.n)?' hit':'');e.style.left=x+'px';e.style.width=w+'px';\n"
	"  e.style.top=(d*H)+'px';e.style.background=color(node.n);e.textContent=node.n;\n"
	"  e.onmouseover=()=>{info.textContent=node.n+' — '+node.v+' samples, '+"
	"(100*node.v/ROOT.v).toFixed(2)+'% of all'};\n"
	"  e.onclick=()=>{zoom=node;draw()};e.title=node.n;fg.appendChild(e);return e;}\n"
	" path.forEach((a,d)=>put(a,0,W,d));\n"
	" function rec(node,x,w,d){let cx=x;for(const ch of [...node.c.values()].sort((a,b)=>a.n<b.n?-1:1)){\n"
	"   const cw=w*ch.v/node.v;put(ch,cx,cw,d);rec(ch,cx,cw,d+1);cx+=cw;}}\n"
	" rec(zoom,0,W,path.length);fg.style.height=((maxd+1)*H)+'px';\n"
	" if(!ROOT.v){info.textContent='no samples in this window';return}\n"
	" if(re){let m=0;(function cnt(n){if(re.test(n.n)){m+=n.v;return}n.c.forEach(cnt)})(ROOT);\n"
	"  info.textContent='matched '+(100*m/ROOT.v).toFixed(2)+'% of samples';}}\n"
	"const hq=new URLSearchParams(location.hash.slice(1)).get('q');\n"
	"if(hq)document.getElementById('q').value=hq;\n"
	"document.getElementById('q').oninput=draw;\n"
	"document.getElementById('reset').onclick=()=>{zoom=ROOT;draw()};\n"
	"window.onresize=draw;draw();\n"
	"</script></body></html>\n";

/* As a JS string literal body; also never lets "</script>" close the script early. */
static void put_js_string(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

/* As HTML text. */
static void put_html(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else
			fputc(*s, out);
	}
}

int hp_flamegraph_write(FILE *out, const char *title, const char *folded, size_t len)
{
	const char *p = head;

	/* head holds two %s: the title, twice, HTML-escaped */
	for (int n = 0; *p; p++) {
		if (p[0] == '%' && p[1] == 's' && n < 2) {
			put_html(out, title);
			p++;
			n++;
		} else if (p[0] == '%' && p[1] == '%') {
			fputc('%', out);
			p++;
		} else {
			fputc(*p, out);
		}
	}
	put_js_string(out, folded, len);
	fputs(tail, out);
	return ferror(out) ? -EIO : 0;
}

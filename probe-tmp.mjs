import * as ort from 'onnxruntime-node';
const s = await ort.InferenceSession.create('/work/main/test/fixtures/onnx-linear.onnx');
const x = new ort.Tensor('float32', new Float32Array(4), [1,4]);
const feeds = {x};
const orig = s.run;
const hist = new Uint32Array(512); let calls=0, rows=0;
function rec(ms, r){ const i = Math.log2(ms)*16+200|0; hist[i<0?0:i>511?511:i]++; calls++; rows+=r; }
const A = async function(f,a,b){ const t0=performance.now(); const r = await orig.call(this,f,a,b); rec(performance.now()-t0, f.x.dims[0]); return r; };
const B = function(f,a,b){ const t0=performance.now(); return orig.call(this,f,a,b).then((r)=>{ rec(performance.now()-t0, f.x.dims[0]); return r;}); };
const variants = { bare: orig, A, B };
const res = {bare:[],A:[],B:[]};
for (let r=0;r<30;r++){ for (const [k,fn] of Object.entries(variants)) { s.run = fn; const n=5000; const t=performance.now(); for(let i=0;i<n;i++) await s.run(feeds); res[k].push((performance.now()-t)/n*1000); } }
const med = a=>{const s=[...a].sort((x,y)=>x-y); return s[s.length>>1];};
for (const k in res) console.log(k, med(res[k].slice(5)).toFixed(3));
console.log('A ovh %', ((med(res.A.slice(5))/med(res.bare.slice(5))-1)*100).toFixed(2), 'B ovh %', ((med(res.B.slice(5))/med(res.bare.slice(5))-1)*100).toFixed(2));

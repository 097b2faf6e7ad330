// The part of elkjs's API the page uses: /assets/elk.js (elkjs/lib/elk.bundled.js) defines a global ELK.

export interface ElkLabel {
  id?: string;
  text?: string;
  width: number;
  height: number;
  x?: number;
  y?: number;
  layoutOptions?: Record<string, string>;
}
export interface ElkPoint {
  x: number;
  y: number;
}
export interface ElkSection {
  startPoint: ElkPoint;
  endPoint: ElkPoint;
  bendPoints?: ElkPoint[];
}
export interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: ElkLabel[];
  sections?: ElkSection[];
  layoutOptions?: Record<string, string>;
}
export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
}
export interface Elk {
  layout(graph: ElkNode): Promise<ElkNode>;
}

declare global {
  const ELK: new () => Elk;
}

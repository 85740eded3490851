// The category tree: siblings reorder by drag and drop (mouse, touch or keyboard: focus the
// handle, Space, arrows, Space), each move saved with POST /api/kb/categories/reorder.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DndContext, KeyboardSensor, PointerSensor, closestCenter, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { SortableContext, arrayMove, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { ChevronRight, Folder, FolderOpen, GripVertical, MoreHorizontal, Pencil, Plus, Trash2 } from 'lucide-react';
import type { Category } from '../../lib/types';

interface Props {
  tree: Category[];
  selected: string | null;
  canEdit: boolean;
  onSelect: (id: string | null) => void;
  onReorder: (parentId: string | null, ids: string[]) => void;
  onAdd: (parent: Category | null) => void;
  onRename: (c: Category) => void;
  onDelete: (c: Category) => void;
}

export function CategoryTree(p: Props) {
  const { t } = useTranslation();
  return (
    <div className="tree" role="tree" aria-label={t('kb.categories')}>
      <button type="button" role="treeitem" aria-selected={p.selected === null} className={`tree-row all ${p.selected === null ? 'selected' : ''}`} onClick={() => p.onSelect(null)}>
        <FolderOpen size={16} aria-hidden /> <span className="grow">{t('kb.allArticles')}</span>
      </button>
      <Level {...p} parent={null} items={p.tree} depth={0} />
    </div>
  );
}

function Level(p: Props & { parent: string | null; items: Category[]; depth: number }) {
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const onEnd = (e: DragEndEvent) => {
    if (!e.over || e.active.id === e.over.id) return;
    const ids = p.items.map((c) => c.id);
    const next = arrayMove(ids, ids.indexOf(String(e.active.id)), ids.indexOf(String(e.over.id)));
    p.onReorder(p.parent, next);
  };
  return (
    <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onEnd}>
      <SortableContext items={p.items.map((c) => c.id)} strategy={verticalListSortingStrategy}>
        <ul role="group" className="tree-level">
          {p.items.map((c) => <Node key={c.id} {...p} c={c} />)}
        </ul>
      </SortableContext>
    </DndContext>
  );
}

function Node(p: Props & { c: Category; depth: number }) {
  const { t } = useTranslation();
  const { c } = p;
  const [open, setOpen] = useState(true);
  const [menu, setMenu] = useState(false);
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: c.id, disabled: !p.canEdit });
  const kids = c.children ?? [];
  return (
    <li ref={setNodeRef} style={{ transform: CSS.Transform.toString(transform), transition }} className={isDragging ? 'dragging' : ''} role="none">
      <div className={`tree-row ${p.selected === c.id ? 'selected' : ''}`} style={{ paddingLeft: 6 + p.depth * 16 }}>
        {p.canEdit && (
          <button type="button" className="drag-handle" aria-label={t('kb.dragHandle', { name: c.name })} {...attributes} {...listeners}>
            <GripVertical size={14} />
          </button>
        )}
        <button type="button" className={`caret ${kids.length ? '' : 'invisible'} ${open ? 'open' : ''}`} aria-label={open ? t('kb.collapse') : t('kb.expand')} onClick={() => setOpen(!open)} tabIndex={kids.length ? 0 : -1}>
          <ChevronRight size={14} />
        </button>
        <button type="button" role="treeitem" aria-selected={p.selected === c.id} aria-expanded={kids.length ? open : undefined} className="tree-label" onClick={() => p.onSelect(c.id)}>
          <Folder size={15} aria-hidden /> <span>{c.name}</span>
        </button>
        {p.canEdit && (
          <div className="dropdown">
            <button type="button" className="icon-btn tree-more" aria-label={t('kb.categoryActions', { name: c.name })} aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(!menu)} onBlur={(e) => !e.currentTarget.parentElement?.contains(e.relatedTarget) && setMenu(false)}>
              <MoreHorizontal size={16} />
            </button>
            {menu && (
              <div className="menu menu-right" role="menu" onBlur={(e) => !e.currentTarget.parentElement?.contains(e.relatedTarget) && setMenu(false)}>
                <button type="button" role="menuitem" className="menu-item" onClick={() => { setMenu(false); p.onAdd(c); }}><Plus size={15} /> {t('kb.addSub')}</button>
                <button type="button" role="menuitem" className="menu-item" onClick={() => { setMenu(false); p.onRename(c); }}><Pencil size={15} /> {t('kb.rename')}</button>
                <button type="button" role="menuitem" className="menu-item danger" onClick={() => { setMenu(false); p.onDelete(c); }}><Trash2 size={15} /> {t('common.delete')}</button>
              </div>
            )}
          </div>
        )}
      </div>
      {open && kids.length > 0 && <Level {...p} parent={c.id} items={kids} depth={p.depth + 1} />}
    </li>
  );
}
